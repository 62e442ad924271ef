import { ggufLibrary } from './gguf-library';
import { AppError } from '../../shared/errors';
import type { HubQuantization, ModelFileType } from '../../shared/api/models';

/** One file of the hub's tree listing (what we use of it). */
export interface HubFile {
  path: string;
  size: number;
  /** git blob id (sha1) */
  oid?: string;
  lfs?: { oid: string; size: number };
}

export interface PlannedFile extends HubFile {
  type: ModelFileType;
}

/** A model file set: one single GGUF, or all shards of a split GGUF. */
export interface GgufVariant {
  /** quant label from the file name (Q4_K_M, UD-Q4_K_XL, BF16...), or the file name without .gguf */
  tag: string;
  quant?: string;
  files: HubFile[];
  split: boolean;
}

const isGguf = (p: string) => p.toLowerCase().endsWith('.gguf');
const isMmproj = (p: string) => isGguf(p) && basename(p).toLowerCase().includes('mmproj');
const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const dirname = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/** Groups model GGUFs (not mmproj) into variants; shards of one split model form one variant. */
export function ggufVariants(files: HubFile[]): GgufVariant[] {
  const groups = new Map<string, HubFile[]>();
  for (const f of files) {
    if (!isGguf(f.path) || isMmproj(f.path)) continue;
    const shard = ggufLibrary().parseGgufShardFilename(f.path);
    const key = shard ? `${shard.prefix}\u0000${shard.total}` : f.path;
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  const out: GgufVariant[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.path.localeCompare(b.path));
    const first = list[0].path;
    const quant = ggufLibrary().parseGGUFQuantLabel(first);
    out.push({
      tag: quant ?? basename(first).replace(/(-\d{5}-of-\d{5})?\.gguf$/i, ''),
      quant,
      files: list,
      split: ggufLibrary().parseGgufShardFilename(first) !== null,
    });
  }
  return out.sort((a, b) => a.files[0].path.localeCompare(b.files[0].path));
}

/** The quantizations a repo offers (for the download dialog). */
export function listQuantizations(files: HubFile[]): HubQuantization[] {
  return ggufVariants(files).map((v) => ({
    tag: v.tag,
    files: v.files.map((f) => f.path),
    size_bytes: v.files.reduce((n, f) => n + (f.lfs?.size ?? f.size), 0),
    split: v.split,
  }));
}

/** `tag` as a whole token of the path: Q4_K matches `-Q4_K.gguf` but not `Q4_K_M`. */
function tokenMatch(path: string, tag: string): boolean {
  const esc = tag.toUpperCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Z0-9_])${esc}($|[^A-Z0-9_])`).test(path.toUpperCase());
}

/**
 * Which variant a tag selects. Deliberate changes from llamactl (substring match, single-shard
 * fallback): exact quant label first, then a whole-token match; the default prefers Q4_K_M,
 * then Q4_0, then the first variant, always with all its shards.
 */
export function chooseVariant(variants: GgufVariant[], tag: string): GgufVariant | undefined {
  const want = tag.toUpperCase();
  if (want === '' || want === 'MAIN' || want === 'LATEST') {
    return (
      variants.find((v) => v.quant === 'Q4_K_M') ??
      variants.find((v) => v.quant === 'Q4_0') ??
      variants[0]
    );
  }
  return (
    variants.find((v) => v.quant?.toUpperCase() === want || v.tag.toUpperCase() === want) ??
    variants.find((v) => v.files.some((f) => tokenMatch(f.path, want)))
  );
}

/** Prefer F16 projectors (the usual choice), then BF16, F32, then the first one listed. */
export function chooseMmproj(files: HubFile[]): HubFile | undefined {
  const mm = files.filter((f) => isMmproj(f.path)).sort((a, b) => a.path.localeCompare(b.path));
  for (const q of ['F16', 'BF16', 'F32']) {
    const hit = mm.find((f) => ggufLibrary().parseGGUFQuantLabel(f.path) === q);
    if (hit) return hit;
  }
  return mm[0];
}

export interface GgufPlan {
  files: PlannedFile[];
  /** path of the first (or only) model file */
  main: string;
  variant: GgufVariant;
}

export function planGguf(files: HubFile[], tag: string): GgufPlan {
  const variants = ggufVariants(files);
  if (variants.length === 0) throw new AppError('download_failed', 'no GGUF file found in repo');
  const variant = chooseVariant(variants, tag);
  if (!variant) {
    const offered = [...new Set(variants.map((v) => v.tag))].join(', ');
    throw new AppError(
      'download_failed',
      `no GGUF file matches tag '${tag}'; this repo offers: ${offered}`,
    );
  }
  const planned: PlannedFile[] = variant.files.map((f) => ({ ...f, type: 'gguf' }));
  const mmproj = chooseMmproj(files);
  if (mmproj) planned.push({ ...mmproj, type: 'mmproj' });
  const modelDir = dirname(variant.files[0].path);
  // preset.ini at the root, or next to the chosen model (llamactl only looks at the root)
  const preset =
    files.find((f) => f.path === 'preset.ini') ??
    files.find((f) => modelDir && f.path === `${modelDir}/preset.ini`);
  if (preset) planned.push({ ...preset, type: 'preset' });
  for (const f of files)
    if (f.path.toLowerCase().endsWith('.jinja')) planned.push({ ...f, type: 'other' });
  return { files: planned, main: variant.files[0].path, variant };
}

const MANDATORY_EXT = ['.json', '.txt', '.model', '.py', '.jinja', '.tiktoken'];

/** Safetensors: all weights (or .bin when there are none) plus tokenizer/config files. */
export function planSafetensors(files: HubFile[]): PlannedFile[] {
  const usable = files.filter(
    (f) => !f.path.startsWith('.git/') && basename(f.path) !== '.gitattributes',
  );
  const lower = (f: HubFile) => f.path.toLowerCase();
  const hasSafetensors = usable.some((f) => lower(f).endsWith('.safetensors'));
  const weightExt = hasSafetensors ? '.safetensors' : '.bin';
  const out: PlannedFile[] = [];
  for (const f of usable) {
    const l = lower(f);
    if (l.endsWith(weightExt) || MANDATORY_EXT.some((e) => l.endsWith(e)))
      out.push({ ...f, type: 'other' });
  }
  if (!out.some((f) => lower(f).endsWith(weightExt))) {
    throw new AppError('download_failed', 'no safetensors (or .bin) weights found in repo');
  }
  return out;
}

export function fileTypeOf(path: string): ModelFileType {
  if (isMmproj(path)) return 'mmproj';
  if (isGguf(path)) return 'gguf';
  if (basename(path) === 'preset.ini') return 'preset';
  return 'other';
}
