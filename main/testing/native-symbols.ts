/**
 * The symbols a native addon (`.node` file) exports, read from the file itself so the check
 * needs no binutils: ELF (Linux) through `.dynsym`, Mach-O (macOS) through `LC_SYMTAB`.
 *
 * Node-API addons export `napi_register_module_v1`; addons built against one Node ABI export
 * `node_register_module_v<ABI>` and load only in that Node (or that Electron).
 */
export function exportedSymbols(buf: Buffer): string[] {
  if (buf.readUInt32BE(0) === 0x7f454c46) return elfSymbols(buf);
  const magic = buf.readUInt32LE(0);
  if (magic === 0xfeedfacf) return machoSymbols(buf, 0);
  if (buf.readUInt32BE(0) === 0xcafebabe) {
    // Universal binary: the symbols of every slice.
    const count = buf.readUInt32BE(4);
    const out = new Set<string>();
    for (let i = 0; i < count; i++) {
      const offset = buf.readUInt32BE(8 + i * 20 + 8);
      for (const s of machoSymbols(buf, offset)) out.add(s);
    }
    return [...out];
  }
  throw new Error('not an ELF or 64-bit Mach-O file');
}

function elfSymbols(buf: Buffer): string[] {
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const addr = (o: number) =>
    is64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o);
  const shoff = addr(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const section = (i: number) => {
    const base = shoff + i * shentsize;
    return {
      type: u32(base + 4),
      offset: addr(base + (is64 ? 0x18 : 0x10)),
      size: addr(base + (is64 ? 0x20 : 0x14)),
      link: u32(base + (is64 ? 0x28 : 0x18)),
      entsize: addr(base + (is64 ? 0x38 : 0x24)),
    };
  };
  const SHT_DYNSYM = 11;
  const out: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_DYNSYM) continue;
    const strtab = section(s.link);
    for (let off = s.offset; off + s.entsize <= s.offset + s.size; off += s.entsize) {
      const nameOff = u32(off);
      const shndx = is64 ? u16(off + 6) : u16(off + 14);
      if (shndx === 0) continue; // undefined: an import, not an export
      const start = strtab.offset + nameOff;
      const end = buf.indexOf(0, start);
      const name = buf.toString('latin1', start, end);
      if (name) out.push(name);
    }
  }
  return out;
}

function machoSymbols(buf: Buffer, base: number): string[] {
  const ncmds = buf.readUInt32LE(base + 16);
  let off = base + 32;
  const LC_SYMTAB = 0x2;
  const N_EXT = 0x01;
  const N_TYPE = 0x0e;
  const N_SECT = 0x0e;
  const out: string[] = [];
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (cmd === LC_SYMTAB) {
      const symoff = base + buf.readUInt32LE(off + 8);
      const nsyms = buf.readUInt32LE(off + 12);
      const stroff = base + buf.readUInt32LE(off + 16);
      for (let k = 0; k < nsyms; k++) {
        const e = symoff + k * 16;
        const type = buf[e + 4]!;
        if (!(type & N_EXT) || (type & N_TYPE) !== N_SECT) continue;
        const start = stroff + buf.readUInt32LE(e);
        // Mach-O C symbols carry a leading underscore.
        out.push(buf.toString('latin1', start, buf.indexOf(0, start)).replace(/^_/, ''));
      }
    }
    off += size;
  }
  return out;
}
