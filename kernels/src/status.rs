//! The one status-code enum every export returns. `kernels/gen_status.ts` parses this file (the `///` line
//! above each variant and its `= N` value) and writes `src/kernels/status.ts`; a test keeps the two in step.

/// Result of a kernel call: `0` is success, anything else names what was wrong with the arguments.
#[repr(i32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// The call succeeded.
    Ok = 0,
    /// A required pointer was null, or not aligned for its element type.
    BadPointer = 1,
    /// A dimension (m, n, k, channels or spatial size) was zero or too large.
    BadShape = 2,
    /// The weight bit width is not 2, 4 or 8.
    BadBits = 3,
    /// The block size is neither 0 (one block per channel) nor a positive multiple of 8.
    BadBlockSize = 4,
    /// The activation code is unknown or its parameters are invalid (clip with min > max, NaN).
    BadActivation = 5,
    /// The scratch buffer is smaller than the kernel needs.
    ScratchTooSmall = 6,
    /// A convolution parameter (kernel, stride, dilation, padding, group, output size) is invalid.
    BadConvParams = 7,
    /// The problem would overflow int32 accumulation or 32-bit addressing.
    Overflow = 8,
    /// A weight code is outside 0..2^bits-1.
    CodeOutOfRange = 9,
    /// A row stride is smaller than the row length the kernel reads.
    BadStride = 10,
}

impl Status {
    /// The code as returned across the wasm boundary.
    #[inline]
    pub fn code(self) -> i32 {
        self as i32
    }
}
