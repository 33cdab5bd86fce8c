// The platform's version, reported by /healthz and `skyscale --version`.
export const VERSION = '0.1.0';
