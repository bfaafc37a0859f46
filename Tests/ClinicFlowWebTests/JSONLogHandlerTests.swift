@testable import ClinicFlowWeb
import Foundation
import Logging
import Testing

@Suite struct JSONLogHandlerTests {
    @Test func everyLineIsOneValidJSONObject() throws {
        let logs = CapturedLogs()
        var logger = logs.logger(level: .debug)
        logger[metadataKey: "worker_id"] = "w-1"
        logger.info("quote \" backslash \\ newline \n tab \t bell \u{7} ünïcødé 😬", metadata: [
            "count": .stringConvertible(3),
            "nested": .dictionary(["b": "2", "a": .array(["x", "y"])]),
        ])
        logger.trace("below the level")

        #expect(logs.all.count == 1)
        let line = try #require(logs.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(fields["msg"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7} ünïcødé 😬")
        #expect(fields["level"] as? String == "info")
        #expect(fields["logger"] as? String == "clinicflow.test")
        #expect(fields["worker_id"] as? String == "w-1")
        #expect(fields["count"] as? String == "3")
        #expect((fields["nested"] as? [String: Any])?["a"] as? [String] == ["x", "y"])
        #expect(ISO8601DateFormatter().date(from: (fields["ts"] as? String ?? "").replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression)) != nil)
    }

    @Test func metadataCannotOverwriteTheCoreFields() throws {
        let logs = CapturedLogs()
        logs.logger().warning("real", metadata: ["msg": "forged", "level": "debug"])
        let line = try #require(logs.all.first)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(fields["msg"] as? String == "real")
        #expect(fields["level"] as? String == "warning")
    }
}
