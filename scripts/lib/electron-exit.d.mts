export declare const APPARMOR_USERNS_SYSCTL: string;
export declare function sandboxFailureFix(exit: {
  platform: string;
  signal: string | null;
  stderr: string;
  apparmorRestrictsUserns: boolean | undefined;
  sandboxHelper: string;
}): string | undefined;
