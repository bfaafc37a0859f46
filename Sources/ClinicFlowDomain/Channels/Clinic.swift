import Foundation

/// A clinic: the tenant every contact, lead, channel and event belongs to.
public struct Clinic: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var name: String
    /// URL-safe unique handle, e.g. `sorriso-centro`.
    public var slug: String
    /// IANA zone for working hours, quiet hours and reminders.
    public var timeZone: String
    /// ISO 3166 country whose numbering plan local phone numbers are read in (`BR`, `PT`).
    public var defaultRegion: String
    public var agencyID: UUID?

    public init(id: UUID = UUID(), name: String, slug: String, timeZone: String = "UTC", defaultRegion: String = "US", agencyID: UUID? = nil) {
        self.id = id
        self.name = name
        self.slug = slug
        self.timeZone = timeZone
        self.defaultRegion = defaultRegion
        self.agencyID = agencyID
    }

    /// Lower-case letters, digits and dashes, 2–63 characters, not starting or ending with a dash.
    public static func isValidSlug(_ slug: String) -> Bool {
        guard (2...63).contains(slug.count), slug.first != "-", slug.last != "-" else { return false }
        return slug.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
