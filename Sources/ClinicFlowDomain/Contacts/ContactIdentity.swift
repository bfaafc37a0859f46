import Foundation

/// One way to recognise a person: a phone number, an email, or an id in another system.
/// Within a clinic each identity belongs to at most one contact.
public struct ContactIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case phone, email, whatsapp, chatwoot, twenty, hubspot, stripe, evolution

        /// How strongly a match on this kind says "same person", for picking between candidates.
        var strength: Int {
            switch self {
            case .phone: 5
            case .whatsapp, .evolution: 4
            case .email: 3
            case .chatwoot, .twenty, .hubspot, .stripe: 2
            }
        }
    }

    public var kind: Kind
    /// Normalised: E.164 phones, lower-cased emails, provider ids as given.
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(kind.rawValue):\(value)" }

    public static func phone(_ number: PhoneNumber) -> ContactIdentity { .init(kind: .phone, value: number.e164) }

    public static func email(_ raw: String?) -> ContactIdentity? {
        EmailAddress.normalize(raw).map { .init(kind: .email, value: $0) }
    }
}

public enum EmailAddress {
    /// Trimmed and lower-cased when it looks like an address (one @, a dot in the domain, no spaces).
    public static func normalize(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let email = raw.trimming(.whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            email.count <= 254, !email.contains(where: \.isWhitespace)
        else { return nil }
        return email
    }
}

/// Which existing contact an inbound person is, given the contacts their identities already point to.
public enum IdentityResolution: Sendable, Equatable {
    /// Nobody known: create a contact with all identities.
    case create
    /// Known as `contactID`; link the identities no contact has yet.
    case existing(contactID: UUID, link: [ContactIdentity])

    /// - Parameter matches: identities that already belong to a contact, with that contact.
    ///   When they point to several contacts, the strongest match wins (a phone over an email); the
    ///   others are left for a person to merge, since two people can share an email or a family phone.
    public static func decide(identities: [ContactIdentity], matches: [ContactIdentity: UUID]) -> IdentityResolution {
        let matched = identities.filter { matches[$0] != nil }
        guard let strongest = matched.max(by: { $0.kind.strength < $1.kind.strength }), let contact = matches[strongest] else {
            return .create
        }
        return .existing(contactID: contact, link: identities.filter { matches[$0] == nil })
    }
}
