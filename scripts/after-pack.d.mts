// Types for scripts/after-pack.mjs (an electron-builder hook, plain JS so the builder can load it).
export declare const FUSES: Record<string, boolean>;
export declare function fuseConfig(platform: string): Record<string, unknown>;
export declare function electronBinary(context: {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName: string };
}): string;
export default function afterPack(context: unknown): Promise<void>;
