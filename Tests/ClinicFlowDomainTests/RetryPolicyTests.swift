import ClinicFlowDomain
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: 2, maxDelay: 60, jitter: 0.25)

    @Test func delaysDoubleFromTheBaseWithoutJitter() {
        // random 0 removes nothing, so the raw exponential shows
        #expect((1...5).map { policy.delay(afterAttempt: $0, random: 0) } == [2, 4, 8, 16, 32])
    }

    @Test func delaysStopAtTheCap() {
        #expect(policy.delay(afterAttempt: 6, random: 0) == 60)
        #expect(policy.delay(afterAttempt: 40, random: 0) == 60)
        // absurd attempt counts must not overflow to infinity or NaN
        #expect(policy.delay(afterAttempt: Int.max, random: 0) == 60)
    }

    @Test(arguments: [0.0, 0.3, 0.5, 0.999, 1.0])
    func jitterOnlyShortensAndStaysWithinItsFraction(random: Double) {
        for attempt in 1...8 {
            let full = policy.delay(afterAttempt: attempt, random: 0)
            let jittered = policy.delay(afterAttempt: attempt, random: random)
            #expect(jittered <= full)
            #expect(jittered >= full * 0.75)
        }
    }

    @Test func jitterSpreadsRetriesOfTheSameAttempt() {
        let delays = Set([0.1, 0.4, 0.7, 0.9].map { policy.delay(afterAttempt: 3, random: $0) })
        #expect(delays.count == 4)
    }

    @Test func retriesUntilTheLastAttemptThenDeadLetters() {
        #expect(policy.decision(afterFailedAttempt: 1, random: 0) == .retry(after: 2))
        #expect(policy.decision(afterFailedAttempt: 4, random: 0) == .retry(after: 16))
        #expect(policy.decision(afterFailedAttempt: 5, random: 0) == .deadLetter)
        #expect(policy.decision(afterFailedAttempt: 9, random: 0) == .deadLetter)
    }

    @Test func aJobsOwnLimitOverridesThePolicy() {
        #expect(policy.decision(afterFailedAttempt: 2, maxAttempts: 2, random: 0) == .deadLetter)
        #expect(policy.decision(afterFailedAttempt: 6, maxAttempts: 10, random: 0) == .retry(after: 60))
    }

    @Test func nonsenseSettingsAreClampedToSafeOnes() {
        let odd = RetryPolicy(maxAttempts: 0, baseDelay: -5, maxDelay: -1, jitter: 7)
        #expect(odd.maxAttempts == 1)
        #expect(odd.baseDelay == 0)
        #expect(odd.jitter == 1)
        #expect(odd.decision(afterFailedAttempt: 1, random: 0.5) == .deadLetter)
    }
}
