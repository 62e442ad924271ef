import { safeStorage, type SafeStorage } from 'electron';
import type { SecretProtector } from '../settings/hf-token';

type SafeStorageLike = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>;

/**
 * The Hugging Face token's protector in the desktop app: Electron's safeStorage, whose key the
 * OS keeps (docs/api/safe-storage.md: macOS Keychain, Windows DPAPI, on Linux the Secret
 * Service (gnome-libsecret) or KWallet).
 *
 * The synchronous API on purpose: Electron 45 marks it deprecated in favour of
 * encryptStringAsync/decryptStringAsync, but only the synchronous one has a documented way to
 * tell a real keyring from the hard-coded fallback key (getSelectedStorageBackend() ===
 * 'basic_text'); the asynchronous API's Linux fallback provider gives no such signal.
 */
export function safeStorageProtector(
  platform: NodeJS.Platform = process.platform,
  storage: SafeStorageLike = safeStorage,
): SecretProtector {
  const linuxBackend = () => (platform === 'linux' ? storage.getSelectedStorageBackend() : null);
  return {
    label: () => keychainLabel(platform, linuxBackend()),
    unavailableReason: () => {
      // safe-storage.md: false before the app's 'ready' event (and, on Linux, while the secret
      // key is not available). The services are created after app.whenReady(), so false here
      // means no usable keychain.
      if (!storage.isEncryptionAvailable())
        return 'the OS keychain is not available to the app, so the token can only be kept in the token file';
      // safe-storage.md: with no secret store on Linux, items are "encrypted via hardcoded
      // plaintext password", detected by getSelectedStorageBackend() returning 'basic_text';
      // 'unknown' is the answer before 'ready'. Neither protects anything.
      const backend = linuxBackend();
      if (backend === 'basic_text' || backend === 'unknown')
        return 'no keyring (GNOME Keyring or KWallet) is available in this desktop session: Electron would encrypt with a fixed key, which protects nothing';
      return null;
    },
    // encryptString/decryptString throw on failure (electron_api_safe_storage.cc: "Error while
    // encrypting/decrypting ..."), e.g. when the keychain entry was deleted or replaced since the
    // token was saved; HfTokenStore turns that into "enter the token again".
    encrypt: (plain) => storage.encryptString(plain),
    decrypt: (blob) => storage.decryptString(blob),
  };
}

/** What holds the key, in the words of each platform. */
export function keychainLabel(platform: NodeJS.Platform, linuxBackend: string | null): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'Windows data protection (DPAPI, your user account)';
  if (linuxBackend === 'gnome_libsecret') return 'the Secret Service keyring (GNOME Keyring)';
  if (linuxBackend?.startsWith('kwallet')) return 'KWallet';
  return 'the desktop keyring';
}
