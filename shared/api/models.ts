/** Model downloads and the model cache: shapes of /api/v1/models/* (llamactl's, plus our fields). */

export const DOWNLOAD_FORMATS = ['gguf', 'safetensors'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export const JOB_STATUSES = ['queued', 'downloading', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses from which a job can still be cancelled. */
export const ACTIVE_JOB_STATUSES: readonly JobStatus[] = ['queued', 'downloading'];

export type ModelFileType = 'gguf' | 'mmproj' | 'preset' | 'other';

export interface JobProgress {
  /** bytes of this job's files present so far (resumed bytes included), each file counted once */
  bytes_downloaded: number;
  total_bytes: number;
  current_file: string;
  /** our addition: files finished / planned */
  files_done: number;
  files_total: number;
  /** our addition: recent transfer speed, bytes per second */
  speed_bps: number;
}

/** GET /api/v1/models/jobs/{id}; llamactl's fields plus `format`, `revision`, `commit`, `node`. */
export interface DownloadJob {
  id: string;
  repo: string;
  tag: string;
  format: DownloadFormat;
  status: JobStatus;
  progress: JobProgress;
  error?: string;
  /** Unix seconds */
  created_at: number;
  /** Unix seconds; set when the job ends */
  completed_at?: number;
  /** snapshot path of the main GGUF, or the snapshot folder for safetensors */
  model_path?: string;
  /** the git commit the files come from, once resolved */
  commit?: string;
}

/** POST /api/v1/models/download response (202). */
export interface DownloadAccepted {
  job_id: string;
  repo: string;
  tag: string;
}

export interface GgufInfo {
  architecture?: string;
  parameter_count?: number;
  quantization?: string;
  context_length?: number;
}

export interface CachedModelFile {
  name: string;
  /** snapshot path (a symlink into blobs/) */
  path: string;
  size_bytes: number;
  type: ModelFileType;
}

/** One element of GET /api/v1/models. */
export interface CachedModel {
  node: string;
  repo: string;
  tag?: string;
  files: CachedModelFile[];
  size_bytes: number;
  /** our addition: the snapshot commit */
  commit?: string;
  /** our addition, read from the main GGUF's header */
  gguf?: GgufInfo;
}

/** GET /api/v1/models/hub/files: what a repo offers, so a download dialog can offer a choice. */
export interface HubQuantization {
  /** tag to pass as `org/name:<tag>` */
  tag: string;
  files: string[];
  size_bytes: number;
  /** part of a split model */
  split: boolean;
}

export interface HubFiles {
  repo: string;
  revision: string;
  commit: string;
  quantizations: HubQuantization[];
  mmproj: string[];
  /** the quantization a download without a tag would pick */
  default_tag?: string;
}
