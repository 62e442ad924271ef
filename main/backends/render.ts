// Rendering lives in shared/ so the dashboard's command preview uses the server's exact rules.
export {
  formatNumber,
  renderBackendFlags,
  renderExtraArgs,
  renderTypedFlags,
  type RenderOptions,
} from '../../shared/backends/render';
