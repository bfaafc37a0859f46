import Foundation
import Logging
import Synchronization

/// One JSON object per line on standard output, for log shippers.
///
/// Only what code puts in the message and metadata is written. ClinicFlow logs ids, kinds and
/// error types, never request bodies, message text or secrets.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error_type"] = .string("\(type(of: error))") }
        // SQLKit logs each statement (at trace here) with every value bound to it: message bodies,
        // phone numbers, names. The statement text stays (it is parameterised); the values never.
        if case .array(let values) = merged["binds"] { merged["binds"] = .string("\(values.count) values withheld") }
        sink.write(Self.line(
            time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged
        ))
    }

    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var out = "{\"ts\":\"\(time.formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day().dateTimeSeparator(.standard).timeZone(separator: .omitted)))\""
        out += ",\"level\":\"\(level.rawValue)\",\"logger\":"
        appendString(label, to: &out)
        out += ",\"msg\":"
        appendString(message, to: &out)
        for key in metadata.keys.sorted() where key != "ts" && key != "level" && key != "msg" && key != "logger" {
            out += ","
            appendString(key, to: &out)
            out += ":"
            appendValue(metadata[key]!, to: &out)
        }
        out += "}\n"
        return out
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                appendValue(dictionary[key]!, to: &out)
            }
            out += "}"
        }
    }

    /// JSON string escaping (RFC 8259 §7).
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// Where log lines go; a lock keeps lines from interleaving.
public final class LogSink: Sendable {
    private let write: @Sendable (String) -> Void
    private let lock = Mutex(())

    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    public static let standardOutput = LogSink { line in
        // Unbuffered write(2): a line is on its way even if the process is killed right after.
        var line = line
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    func write(_ line: String) {
        lock.withLock { _ in write(line) }
    }
}
