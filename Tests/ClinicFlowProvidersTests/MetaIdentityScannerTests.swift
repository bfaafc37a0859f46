@testable import ClinicFlowProviders
import Foundation
import Testing

/// The fast lane for Meta webhook identities must never disagree with JSONDecoder: whenever it answers,
/// JSONDecoder accepts the body with the same ids; everything else falls back to JSONDecoder.
@Suite struct MetaIdentityScannerTests {
    static func samples() throws -> [[UInt8]] {
        let text = try Fixtures.bytes("meta-text-message.json")
        let batch = try Fixtures.bytes("meta-batch.json")
        let statuses = Array(#"""
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
             "statuses":[{"id":"wamid.S1","status":"read","timestamp":"1749416400","recipient_id":"5511987654321",
             "errors":[{"code":131047,"title":"Re-engagement message"}]},{"id":"wamid.S2","status":"failed"}],"messages":null}}]}]}
            """#.utf8)
        let numbers = Array(#"{"object":"x","entry":[{"id":"e","changes":[{"field":"f","value":{"n":[-0.5e+3,0,12.25E-2,true,false,null,{},[]],"messages":[{"from":"1","id":"a\/b-\u00e9"},{"from":"2","id":"m2"}]}}]}],"z":"\ud83d\ude00"}"#.utf8)
        return [text, batch, statuses, numbers]
    }

    static func slow(_ body: [UInt8]) -> MetaIdentityScanner.Identity? {
        guard let webhook = try? JSONDecoder().decode(MetaWebhookIdentity.self, from: Data(body)) else { return nil }
        return .init(object: webhook.object, ids: webhook.ids)
    }

    @Test func ordinaryBodiesTakeTheFastLaneWithJSONDecodersAnswer() throws {
        for body in try Self.samples().prefix(3) {
            let fast = try #require(MetaIdentityScanner.scan(body))
            #expect(fast == Self.slow(body))
            #expect(!fast.ids.isEmpty)
        }
        let statuses = try #require(MetaIdentityScanner.scan(try Self.samples()[2]))
        #expect(statuses.ids == ["wamid.S1:read", "wamid.S2:failed"])
    }

    @Test func unusualButValidBodiesFallBackOrAgree() throws {
        let body = try Self.samples()[3]
        // An escaped id is left to JSONDecoder; JSONDecoder reads it.
        #expect(MetaIdentityScanner.scan(body) == nil)
        #expect(Self.slow(body)?.ids == ["a/b-é", "m2"])
        // \u escapes anywhere also go to JSONDecoder; without them the fast lane answers.
        let unescaped = Array(String(decoding: body, as: UTF8.self)
            .replacingOccurrences(of: #"a\/b-\u00e9"#, with: "m1").replacingOccurrences(of: #"\ud83d\ude00"#, with: "😀").utf8)
        #expect(MetaIdentityScanner.scan(unescaped) == Self.slow(unescaped))
        #expect(MetaIdentityScanner.scan(unescaped)?.ids == ["m1", "m2"])
        for odd in [
            #"{"object":"x","object":"y","entry":[]}"#,  // a repeated key
            #"{"object":"x","entry":[{"id":"1","changes":[{"field":"f","value":{"messages":[{"id":"a"}]}}]}]}"#,  // no from
            #"{"object":"x","entry":[{"id":1,"changes":[]}]}"#,  // a number where a string belongs
            #"{"object":"x","entry":{}}"#, "[]", "", " ", #"{"object":"x","entry":[]} x"#, #"{"object":"x","entry":[],}"#,
        ] {
            #expect(MetaIdentityScanner.scan(Array(odd.utf8)) == nil, "\(odd)")
        }
    }

    /// Thousands of broken and altered bodies: the fast lane may give up on any of them, but when it
    /// answers, JSONDecoder must accept the body with the same ids.
    @Test func mutatedBodiesNeverMakeTheTwoDisagree() throws {
        var generator = SplitMix64(seed: 20261201)  // the same mutations on every run
        let alphabet = Array(#"{}[]":,\ 0123456789.-+eEtrufalsn"#.utf8) + [0x00, 0x0A, 0x1F, 0x80, 0xC3, 0xFF]
        var answered = 0
        var checked = 0
        for sample in try Self.samples() {
            var bodies = (0..<sample.count).map { Array(sample[..<$0]) }
            for _ in 0..<1500 {
                var body = sample
                for _ in 0...Int.random(in: 0...2, using: &generator) {
                    let position = Int.random(in: 0..<body.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: body[position] = alphabet.randomElement(using: &generator)!
                    case 1: body.remove(at: position)
                    default: body.insert(alphabet.randomElement(using: &generator)!, at: position)
                    }
                }
                bodies.append(body)
            }
            for body in bodies {
                checked += 1
                guard let fast = MetaIdentityScanner.scan(body) else { continue }
                answered += 1
                #expect(fast == Self.slow(body), "\(String(decoding: body, as: UTF8.self))")
            }
        }
        #expect(checked > 6000)
        #expect(answered > 100, "some altered bodies are still valid and take the fast lane")
    }
}
