#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// glibc's allocator settings for a long-running ClinicFlow process.
///
/// By default glibc hands freed memory at the top of a thread's heap back to the kernel as soon as
/// it exceeds 128 KiB (`madvise`), and the next statement's allocations fault the pages back in. On
/// SQLite's connection loop, which allocates and frees the rows and strings of every statement, that
/// churn was about 5 % of the process's CPU at saturation (`perf`: `madvise`, TLB flushes, page
/// faults). Keeping up to 8 MiB per heap ends it; measured peak memory did not change.
enum MallocTuning {
    static let trimThreshold: Int32 = 8 << 20
    static let mmapThreshold: Int32 = 1 << 20
    // <malloc.h> is not in Swift's Glibc module; these values are glibc's stable ABI.
    private static let trimThresholdOption: Int32 = -1  // M_TRIM_THRESHOLD
    private static let mmapThresholdOption: Int32 = -3  // M_MMAP_THRESHOLD

    /// An operator's own `GLIBC_TUNABLES` for malloc wins.
    static func apply() {
        #if canImport(Glibc)
        if ProcessInfo.processInfo.environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") == true { return }
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT; not glibc
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        // Fixed thresholds: glibc otherwise adjusts them itself, back down to where the churn starts.
        _ = mallopt(trimThresholdOption, trimThreshold)
        _ = mallopt(mmapThresholdOption, mmapThreshold)
        #endif
    }
}
