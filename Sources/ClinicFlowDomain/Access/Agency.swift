import Foundation

/// A group of clinics run together (a marketing agency, a dental group).
public struct Agency: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var name: String
    public var slug: String

    public init(id: UUID = UUID(), name: String, slug: String) {
        self.id = id
        self.name = name
        self.slug = slug
    }
}

/// A person who signs in to ClinicFlow.
public struct User: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    /// Lower-cased; unique across the installation.
    public var email: String
    public var name: String
    public var role: Role
    /// Set for agency admins, and for clinic users of clinics in an agency.
    public var agencyID: UUID?
    public var clinicIDs: Set<UUID>
    public var active: Bool
    /// Most open leads assigned to this consultant at once; nil is no limit.
    public var maxOpenLeads: Int?
    /// When this consultant takes new leads; nil is always.
    public var workingHours: WorkingHours?

    public init(id: UUID = UUID(), email: String, name: String, role: Role, agencyID: UUID? = nil, clinicIDs: Set<UUID> = [], active: Bool = true) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.agencyID = agencyID
        self.clinicIDs = clinicIDs
        self.active = active
    }

    public var principal: Principal { Principal(userID: id, role: role, agencyID: agencyID, clinicIDs: clinicIDs) }
}

/// A department of a clinic (implants, orthodontics, aesthetics): where leads are routed.
public struct Team: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var clinicID: UUID
    /// Matches a channel's `department`, e.g. `implants`.
    public var key: String
    public var name: String
    public var memberIDs: Set<UUID>

    public init(id: UUID = UUID(), clinicID: UUID, key: String, name: String, memberIDs: Set<UUID> = []) {
        self.id = id
        self.clinicID = clinicID
        self.key = key
        self.name = name
        self.memberIDs = memberIDs
    }
}
