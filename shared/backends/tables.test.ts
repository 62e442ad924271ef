import { BACKEND_OPTION_FIELDS, backendOptionsSchema, commonFields, fieldIndex } from './index';

/** llamactl's typed fields in its order (reference §4.11); our tables must start with exactly these. */
const LLAMACTL_KEYS = {
  llama_cpp: (
    'verbose_prompt threads threads_batch cpu_mask cpu_range cpu_strict prio poll cpu_mask_batch ' +
    'cpu_range_batch cpu_strict_batch prio_batch poll_batch ctx_size predict batch_size ubatch_size keep ' +
    'swa_full flash_attn perf no_perf escape no_escape rope_scaling rope_scale rope_freq_base ' +
    'rope_freq_scale yarn_orig_ctx yarn_ext_factor yarn_attn_factor yarn_beta_slow yarn_beta_fast ' +
    'kv_offload no_kv_offload repack no_repack no_host cache_type_k cache_type_v defrag_thold mlock mmap ' +
    'no_mmap direct_io no_direct_io numa device override_tensor cpu_moe n_cpu_moe gpu_layers split_mode ' +
    'tensor_split main_gpu fit fit_target fit_ctx check_tensors override_kv op_offload no_op_offload lora ' +
    'lora_scaled control_vector control_vector_scaled control_vector_layer_range model model_url ' +
    'docker_repo hf_repo hf_repo_draft hf_file hf_repo_v hf_file_v hf_token log_disable log_file ' +
    'log_colors verbose offline verbosity log_prefix log_timestamps cache_type_k_draft cache_type_v_draft ' +
    'samplers seed sampling_seq ignore_eos temp top_k top_p min_p top_nsigma xtc_probability ' +
    'xtc_threshold typical repeat_last_n repeat_penalty presence_penalty frequency_penalty dry_multiplier ' +
    'dry_base dry_allowed_length dry_penalty_last_n dry_sequence_breaker adaptive_target adaptive_decay ' +
    'dynatemp_range dynatemp_exp mirostat mirostat_lr mirostat_ent logit_bias grammar grammar_file ' +
    'json_schema json_schema_file backend_sampling ctx_checkpoints cache_ram lookup_cache_static ' +
    'lookup_cache_dynamic kv_unified no_kv_unified context_shift no_context_shift reverse_prompt special ' +
    'warmup no_warmup spm_infill pooling parallel cont_batching no_cont_batching mmproj mmproj_url ' +
    'mmproj_auto no_mmproj no_mmproj_auto mmproj_offload no_mmproj_offload image_min_tokens ' +
    'image_max_tokens override_tensor_draft cpu_moe_draft n_cpu_moe_draft alias host port path api_prefix ' +
    'webui_config webui_config_file webui no_webui embedding reranking api_key api_key_file ssl_key_file ' +
    'ssl_cert_file chat_template_kwargs timeout threads_http cache_prompt no_cache_prompt cache_reuse ' +
    'metrics props slots no_slots slot_save_path media_path models_dir models_preset models_max ' +
    'models_autoload no_models_autoload jinja no_jinja reasoning_format reasoning_budget chat_template ' +
    'chat_template_file prefill_assistant no_prefill_assistant slot_prompt_similarity ' +
    'lora_init_without_apply sleep_idle_seconds threads_draft threads_batch_draft draft_max draft_min ' +
    'draft_p_min ctx_size_draft device_draft gpu_layers_draft model_draft spec_replace spec_type ' +
    'spec_ngram_size_n spec_ngram_size_m spec_ngram_check_rate spec_ngram_min_hits model_vocoder ' +
    'tts_use_guide_tokens embd_gemma_default fim_qwen_1b fim_qwen_1_5b_default fim_qwen_3b_default ' +
    'fim_qwen_7b_default fim_qwen_7b_spec fim_qwen_14b_spec fim_qwen_30b_default gpt_oss_20b_default ' +
    'gpt_oss_120b_default vision_gemma_4b_default vision_gemma_12b_default'
  ).split(' '),
  vllm: (
    'host port model tokenizer skip_tokenizer_init revision code_revision tokenizer_revision ' +
    'tokenizer_mode trust_remote_code download_dir load_format config_format dtype kv_cache_dtype ' +
    'quantization_param_path seed max_model_len guided_decoding_backend distributed_executor_backend ' +
    'worker_use_ray ray_workers_use_nsight block_size enable_prefix_caching disable_sliding_window ' +
    'use_v2_block_manager num_lookahead_slots swap_space cpu_offload_gb gpu_memory_utilization ' +
    'num_gpu_blocks_override max_num_batched_tokens max_num_seqs max_logprobs disable_log_stats ' +
    'quantization rope_scaling rope_theta enforce_eager max_context_len_to_capture max_seq_len_to_capture ' +
    'disable_custom_all_reduce tokenizer_pool_size tokenizer_pool_type tokenizer_pool_extra_config ' +
    'enable_lora_bias lora_extra_vocab_size lora_rank prompt_lookback_distance preemption_mode ' +
    'tensor_parallel_size pipeline_parallel_size max_parallel_loading_workers disable_async_output_proc ' +
    'worker_class enabled_lora_modules max_lora_rank fully_sharded_loras lora_modules prompt_adapters ' +
    'max_prompt_adapter_token device scheduler_delay enable_chunked_prefill speculative_model ' +
    'speculative_model_quantization speculative_revision speculative_max_model_len ' +
    'speculative_disable_by_batch_size ngpt_speculative_length speculative_disable_mqa ' +
    'model_loader_extra_config ignore_patterns preloaded_lora_modules uds uvicorn_log_level response_role ' +
    'ssl_keyfile ssl_certfile ssl_ca_certs ssl_cert_reqs root_path middleware return_tokens_as_token_ids ' +
    'disable_frontend_multiprocessing enable_auto_tool_choice tool_call_parser tool_server chat_template ' +
    'chat_template_content_format allow_credentials allowed_origins allowed_methods allowed_headers ' +
    'api_key enable_log_outputs enable_token_usage enable_async_engine_debug engine_use_ray ' +
    'disable_log_requests max_log_len task multi_modal_config limit_mm_per_prompt enable_sleep_mode ' +
    'enable_chunking_request compilation_config disable_sliding_window_mask enable_trtllm_engine_latency ' +
    'override_pooling_config override_neuron_config override_kv_cache_align_size'
  ).split(' '),
  mlx_lm: (
    'model host port adapter_path draft_model num_draft_tokens trust_remote_code log_level chat_template ' +
    'use_default_chat_template chat_template_args temp top_p top_k min_p max_tokens'
  ).split(' '),
} as const;

const TYPES = ['llama_cpp', 'vllm', 'mlx_lm'] as const;

describe('backend option tables', () => {
  it("have llamactl's 221, 112 and 16 typed fields, in llamactl's order, first", () => {
    expect(LLAMACTL_KEYS.llama_cpp).toHaveLength(221);
    expect(LLAMACTL_KEYS.vllm).toHaveLength(112);
    expect(LLAMACTL_KEYS.mlx_lm).toHaveLength(16);
    for (const t of TYPES) {
      const keys = BACKEND_OPTION_FIELDS[t].map((f) => f.key);
      expect(keys.slice(0, LLAMACTL_KEYS[t].length)).toEqual(LLAMACTL_KEYS[t]);
    }
  });

  it.each(TYPES)('%s: keys are unique snake_case and every field has a flag and help', (t) => {
    const keys = BACKEND_OPTION_FIELDS[t].map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of BACKEND_OPTION_FIELDS[t]) {
      expect(f.key).toMatch(/^[a-z0-9_]+$/);
      expect(f.flag).toMatch(/^--[a-z0-9.-]+$/);
      expect(f.help.length).toBeGreaterThan(5);
      if (f.type === 'str[]') expect(['repeat', 'comma', 'multi']).toContain(f.list);
      else expect(f.list).toBeUndefined();
    }
  });

  it.each(TYPES)('%s: every alias resolves to one field and none hides a canonical key', (t) => {
    const idx = fieldIndex(t);
    for (const f of BACKEND_OPTION_FIELDS[t]) {
      for (const a of f.aliases) {
        if (idx.byKey.has(a)) continue; // llamactl's no_mmproj quirk: the canonical field wins
        expect(idx.byAlias.get(a)?.key).toBe(f.key);
      }
    }
  });

  it("marks llama-server's repeatable flags as repeat lists", () => {
    const repeat = BACKEND_OPTION_FIELDS.llama_cpp
      .filter((f) => f.list === 'repeat')
      .map((f) => f.key);
    expect(repeat).toEqual([
      'override_tensor',
      'override_kv',
      'lora',
      'lora_scaled',
      'control_vector',
      'control_vector_scaled',
      'dry_sequence_breaker',
      'logit_bias',
      'override_tensor_draft',
    ]);
  });

  it("uses llama-server's real spelling for the fim preset flags", () => {
    const flags = Object.fromEntries(BACKEND_OPTION_FIELDS.llama_cpp.map((f) => [f.key, f.flag]));
    expect(flags.fim_qwen_1_5b_default).toBe('--fim-qwen-1.5b-default');
    expect(flags.fim_qwen_1b).toBe('--fim-qwen-1.5b-default');
    expect(flags.ctx_size).toBe('--ctx-size');
  });

  it("adds llama-server flags that llamactl lacks after llamactl's fields", () => {
    const extra = BACKEND_OPTION_FIELDS.llama_cpp.slice(221).map((f) => f.key);
    expect(extra).toEqual(
      expect.arrayContaining([
        'rpc',
        'reasoning',
        'cors_origins',
        'spec_draft_n_max',
        'mmproj_device',
        'load_mode',
      ]),
    );
  });

  it('types the lookup cache options as file names, as llama-server reads them', () => {
    const idx = fieldIndex('llama_cpp');
    expect(idx.byKey.get('lookup_cache_static')?.type).toBe('str');
    expect(idx.byKey.get('lookup_cache_dynamic')?.type).toBe('str');
  });

  it('points every replaced llamactl field at an existing successor', () => {
    const idx = fieldIndex('llama_cpp');
    const replaced = BACKEND_OPTION_FIELDS.llama_cpp.filter((f) => f.replacedBy);
    expect(replaced.map((f) => f.key)).toEqual([
      'draft_max',
      'draft_min',
      'spec_ngram_size_n',
      'spec_ngram_size_m',
      'spec_ngram_min_hits',
    ]);
    for (const f of replaced) expect(idx.byKey.get(f.replacedBy!)?.type).toBe(f.type);
  });

  it('offers a few common fields per backend for the form', () => {
    expect(commonFields('llama_cpp').map((f) => f.key)).toEqual(
      expect.arrayContaining([
        'model',
        'ctx_size',
        'gpu_layers',
        'threads',
        'port',
        'host',
        'alias',
      ]),
    );
    for (const t of TYPES)
      expect(commonFields(t).map((f) => f.key)).toEqual(expect.arrayContaining(['model', 'port']));
  });
});

describe('numeric ranges in the option tables', () => {
  it('carries ranges as data, only on numeric fields, with min <= max', () => {
    for (const t of TYPES)
      for (const f of BACKEND_OPTION_FIELDS[t]) {
        if (f.min === undefined && f.max === undefined) continue;
        expect(['int', 'num'], `${t}.${f.key}`).toContain(f.type);
        if (f.min !== undefined && f.max !== undefined) expect(f.min).toBeLessThanOrEqual(f.max);
      }
    const llama = fieldIndex('llama_cpp');
    expect(llama.byKey.get('ctx_size')).toMatchObject({ min: 0 });
    expect(llama.byKey.get('threads')).toMatchObject({ min: -1 });
    for (const t of TYPES)
      expect(fieldIndex(t).byKey.get('port')).toMatchObject({ min: 0, max: 65535 });
    expect(fieldIndex('vllm').byKey.get('gpu_memory_utilization')).toMatchObject({
      min: 0,
      max: 1,
    });
  });

  it('refuses values outside the range, naming it', () => {
    const r = backendOptionsSchema('llama_cpp').safeParse({ ctx_size: -5, port: 70000, top_k: -1 });
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['ctx_size', 'must be ≥ 0'],
      ['port', 'must be between 0 and 65535'],
      ['top_k', 'must be ≥ 0'],
    ]);
    expect(backendOptionsSchema('llama_cpp').safeParse({ ctx_size: 0, threads: -1 }).success).toBe(
      true,
    );
  });
});

describe('backendOptionsSchema', () => {
  it('reports a wrong type at the field path and lets unknown keys through', () => {
    const r = backendOptionsSchema('llama_cpp').safeParse({
      ctx_size: 'big',
      anything: 1,
      ngl: 'x',
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['ctx_size', 'must be an integer'],
      ['ngl', 'must be an integer'],
    ]);
    expect(backendOptionsSchema('vllm').safeParse({ model: 'm', port: 1, zzz: {} }).success).toBe(
      true,
    );
  });
});
