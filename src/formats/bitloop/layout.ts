// Placeholder until the bitloop format lands.
/** First bytes of every bitloop file. */
export const BITLOOP_MAGIC: readonly number[] = [0x42, 0x49, 0x54, 0x4c, 0x4f, 0x4f, 0x50, 0x00];
