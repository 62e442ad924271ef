import type { Page } from '@playwright/test';

/**
 * What a person cannot reach on the current screen: the page scrolling sideways, and every
 * visible control or heading that sticks out of the window or is cut off by a clipping box
 * (overflow hidden). A control inside a box that scrolls is reachable, so it counts as in view
 * when that box is (except the top bar, which must show all it holds). Returns one line per problem, naming the element by its text or label.
 */
export async function unreachable(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const problems: string[] = [];
    if (doc.scrollWidth > doc.clientWidth + 1)
      problems.push(`the page scrolls sideways (${doc.scrollWidth} px in ${doc.clientWidth} px)`);
    const name = (el: Element) => {
      const label =
        el.getAttribute('aria-label') ||
        (el as HTMLInputElement).labels?.[0]?.textContent ||
        el.getAttribute('title') ||
        el.textContent ||
        el.getAttribute('placeholder') ||
        '';
      return `<${el.tagName.toLowerCase()}> "${label.trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
    };
    const selector =
      'button, a[href], input:not([type=hidden]), select, textarea, [role=tab], h1, h2, [role=dialog] h2';
    for (const el of document.querySelectorAll(selector)) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      let r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // visually hidden inputs (styled radios, checkboxes) are 1 px boxes: judged by their label
      if (r.width <= 2 && r.height <= 2) continue;
      const all = { left: -Infinity, right: Infinity, top: -Infinity, bottom: Infinity };
      let clip = all;
      const inside = (b: DOMRect, c: typeof all) =>
        b.left >= c.left - 1 &&
        b.right <= c.right + 1 &&
        b.top >= c.top - 1 &&
        b.bottom <= c.bottom + 1;
      const cut = (c: typeof all, b: DOMRect, x: boolean, y: boolean) => ({
        left: x ? Math.max(c.left, b.left) : c.left,
        right: x ? Math.min(c.right, b.right) : c.right,
        top: y ? Math.max(c.top, b.top) : c.top,
        bottom: y ? Math.min(c.bottom, b.bottom) : c.bottom,
      });
      let offending = false;
      let fixed = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ps = getComputedStyle(p);
        const pr = p.getBoundingClientRect();
        const scrolls = (v: string) => v === 'auto' || v === 'scroll';
        const clips = (v: string) => v === 'hidden' || v === 'clip';
        // the top bar must show everything without being scrolled
        const mustFit = p.classList.contains('sidebar');
        const sx = !mustFit && scrolls(ps.overflowX);
        const sy = !mustFit && scrolls(ps.overflowY);
        if (sx || sy) {
          // cut off inside the box that scrolls: scrolling does not bring it into view
          if (!inside(r, clip)) {
            offending = true;
            break;
          }
          // reachable by scrolling this box: from here on the box itself must be in view
          r = new DOMRect(
            sx ? pr.left : r.left,
            sy ? pr.top : r.top,
            sx ? pr.width : r.width,
            sy ? pr.height : r.height,
          );
          clip = all;
        }
        clip = cut(clip, pr, clips(ps.overflowX), clips(ps.overflowY));
        if (ps.position === 'fixed') {
          fixed = true;
          break;
        }
      }
      // the window: nothing may stick out sideways; a fixed box (a dialog) does not move with
      // the page, so it must fit the window's height too
      const win = new DOMRect(0, 0, doc.clientWidth, window.innerHeight);
      clip = cut(clip, win, true, fixed);
      if (!inside(r, clip)) offending = true;
      if (offending) {
        const e = el.getBoundingClientRect();
        problems.push(
          `${name(el)} at x ${Math.round(e.left)}–${Math.round(e.right)}, y ${Math.round(e.top)}–${Math.round(e.bottom)} is out of view`,
        );
      }
    }
    return problems;
  });
}
