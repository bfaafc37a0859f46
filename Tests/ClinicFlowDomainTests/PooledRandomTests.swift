import ClinicFlowDomain
import Foundation
import Testing

/// Ids from the pooled generator: the kernel's random bytes, read in blocks, handed out once each.
@Suite struct PooledRandomTests {
    @Test func randomIdsAreVersionFourAndNeverRepeat() {
        // Several pool refills' worth.
        let ids = (0..<5_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let text = id.uuidString
            #expect(Array(text)[14] == "4", "version 4: \(text)")
            #expect("89AB".contains(Array(text)[19]), "RFC 9562 variant: \(text)")
        }
    }

    @Test func timeOrderedIdsUseItAndKeepTheirOrderAndVersion() {
        let start = Date()
        let ids = (0..<3_000).map { offset in UUID.timeOrdered(at: start.addingTimeInterval(Double(offset) / 1000)) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.map(\.uuidString) == ids.map(\.uuidString).sorted(), "one a millisecond: in creation order")
        #expect(ids.allSatisfy { Array($0.uuidString)[14] == "7" })
    }

    /// Words drawn from many threads at once are all different: none handed out twice, none zero
    /// (what an unfilled pool would give). About half of all bits are set.
    @Test func wordsDrawnConcurrentlyAreAllDifferent() async {
        let words = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var generator = PooledRandom()
                    return (0..<3_000).map { _ in generator.next() }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(words.count == 12_000)
        #expect(Set(words).count == words.count)
        #expect(!words.contains(0))
        let ones = words.reduce(0) { $0 + $1.nonzeroBitCount }
        let share = Double(ones) / Double(words.count * 64)
        #expect(abs(share - 0.5) < 0.01, "\(share) of bits set")
    }
}
