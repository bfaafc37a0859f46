import Foundation

/// What ClinicFlow and a CRM agree a person is: name, email and phone, normalised. Its hash is kept per
/// contact and system; a change is pushed only when the hash differs from what that system last had,
/// and a webhook that brings back what we pushed matches the hash and goes no further (no sync loop).
public struct SyncFingerprint: Sendable, Equatable {
    public var name: String?
    public var email: String?
    public var phone: String?

    public init(name: String?, email: String?, phone: String?) {
        self.name = name?.split(whereSeparator: \.isWhitespace).joined(separator: " ").nilIfEmpty
        self.email = email?.trimmingCharacters(in: .whitespaces).lowercased().nilIfEmpty
        self.phone = phone?.filter { $0.isNumber || $0 == "+" }.nilIfEmpty
    }

    /// FNV-1a 64 over the canonical fields: change detection, not security.
    public var hash: String {
        let canonical = [name ?? "", email ?? "", phone ?? ""].joined(separator: "\u{1F}")
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonical.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        return String(value, radix: 16)
    }
}

/// The systems contacts are synced with.
public enum SyncSystem: String, Sendable, Codable, CaseIterable {
    case chatwoot, twenty, hubspot

    public var provider: Provider {
        switch self {
        case .chatwoot: .chatwoot
        case .twenty: .twenty
        case .hubspot: .hubspot
        }
    }

    public init?(provider: Provider) {
        switch provider {
        case .chatwoot: self = .chatwoot
        case .twenty: self = .twenty
        case .hubspot: self = .hubspot
        default: return nil
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
