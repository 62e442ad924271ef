import { f, type BackendOptionField } from './types';

/** `mlx_lm.server` options: llamactl's 16 typed fields (no arrays, no aliases, no docker). */
export const MLX_LM_OPTIONS: readonly BackendOptionField[] = [
  f('model', 'str', 'Hugging Face model name or local path', { common: true }),
  f('host', 'str', 'Host to listen on', { common: true }),
  f('port', 'int', 'Port to listen on (assigned from port_range when empty)', {
    min: 0,
    max: 65535,
    common: true,
  }),
  f('adapter_path', 'str', 'Path of trained adapter weights'),
  f('draft_model', 'str', 'Draft model for speculative decoding'),
  f('num_draft_tokens', 'int', 'Draft tokens per speculative step', { min: 1 }),
  f('trust_remote_code', 'bool', 'Trust remote code from Hugging Face'),
  f('log_level', 'str', 'Log level: DEBUG, INFO, WARNING, ERROR, CRITICAL'),
  f('chat_template', 'str', 'Chat template for the tokenizer'),
  f('use_default_chat_template', 'bool', 'Use the default chat template'),
  f('chat_template_args', 'str', 'JSON arguments for the chat template'),
  f('temp', 'num', 'Default sampling temperature', { min: 0, common: true }),
  f('top_p', 'num', 'Default nucleus sampling p', { min: 0, max: 1 }),
  f('top_k', 'int', 'Default top-k sampling (0 = disabled)', { min: 0 }),
  f('min_p', 'num', 'Default min-p sampling (0 = disabled)', { min: 0, max: 1 }),
  f('max_tokens', 'int', 'Default maximum tokens to generate', { min: 1, common: true }),
];
