/** The hash of what the bundle is made of (src/, packages/, package-lock.json, the build script). */
export function sourceHash(): string;
/** The directory of the current source's bundle, built now if it is not cached. */
export function currentDist(): string;
