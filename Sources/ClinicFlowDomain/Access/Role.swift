/// What a user may do. Each role includes everything the roles below it may do.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads contacts, leads, conversations and dashboards of their clinics.
    case viewer
    /// Works leads: replies, notes, stage changes, new contacts.
    case consultant
    /// Runs a clinic: its users, channels, pipeline and merges.
    case clinicAdmin = "clinic_admin"
    /// Runs every clinic of an agency, and creates clinics.
    case agencyAdmin = "agency_admin"
    /// Runs the installation: every agency and clinic.
    case platformAdmin = "platform_admin"

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .consultant: 1
        case .clinicAdmin: 2
        case .agencyAdmin: 3
        case .platformAdmin: 4
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Who is making a request, as far as access rules care.
public struct Principal: Sendable, Equatable {
    public var userID: UUID
    public var role: Role
    public var agencyID: UUID?
    /// Clinics a clinic-level user (clinic admin, consultant, viewer) belongs to.
    public var clinicIDs: Set<UUID>

    public init(userID: UUID, role: Role, agencyID: UUID?, clinicIDs: Set<UUID>) {
        self.userID = userID
        self.role = role
        self.agencyID = agencyID
        self.clinicIDs = clinicIDs
    }

    /// Whether this user may see the clinic at all. Every clinic-scoped query is gated on this.
    public func canAccess(clinicID: UUID, agencyOfClinic: UUID?) -> Bool {
        switch role {
        case .platformAdmin: true
        case .agencyAdmin: agencyID != nil && agencyID == agencyOfClinic
        case .clinicAdmin, .consultant, .viewer: clinicIDs.contains(clinicID)
        }
    }

    /// Whether this user may give `role` to someone: never above their own, and only platform
    /// admins make platform admins.
    public func mayGrant(_ role: Role) -> Bool {
        role <= self.role && (role != .platformAdmin || self.role == .platformAdmin)
    }
}

import Foundation
