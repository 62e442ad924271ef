import type { Instance } from '../../../shared/api/instances';

/** Largest image accepted for attaching (before base64), so a conversation stays storable. */
export const MAX_IMAGE_BYTES = 8 << 20;

/**
 * Whether an instance can take images: llama.cpp with a multimodal projector (mmproj), given as
 * a file or URL, or found automatically next to a model fetched from Hugging Face.
 */
export function acceptsImages(instance: Instance | undefined): boolean {
  if (!instance || instance.options.backend_type !== 'llama_cpp') return false;
  const o = instance.options.backend_options ?? {};
  if (o.no_mmproj === true) return false;
  if (typeof o.mmproj === 'string' && o.mmproj) return true;
  if (typeof o.mmproj_url === 'string' && o.mmproj_url) return true;
  if (o.mmproj_auto === true) return true;
  return typeof o.hf_repo === 'string' && o.hf_repo !== '' && o.no_mmproj_auto !== true;
}

export function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('the file could not be read'));
    r.readAsDataURL(file);
  });
}
