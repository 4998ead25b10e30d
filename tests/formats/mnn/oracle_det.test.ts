// End-to-end oracle for the MNN decoder on the det model (see _oracle.ts): MNN-decoded weights in the
// ONNX model reproduce MNN's own outputs for every det file in shared/mnn/.
import { describeOracle } from "./_oracle.ts";

describeOracle("det");
