import Foundation

/// A consultant as the assignment rule sees them.
public struct Consultant: Sendable, Equatable {
    public var id: UUID
    public var active: Bool
    /// Team keys the consultant belongs to.
    public var departments: Set<String>
    /// Most open leads they should hold at once; nil is no limit.
    public var maxOpenLeads: Int?
    public var openLeads: Int
    public var workingHours: WorkingHours?
    public var lastAssignedAt: Date?

    public init(
        id: UUID, active: Bool = true, departments: Set<String>, maxOpenLeads: Int? = nil, openLeads: Int = 0,
        workingHours: WorkingHours? = nil, lastAssignedAt: Date? = nil
    ) {
        self.id = id
        self.active = active
        self.departments = departments
        self.maxOpenLeads = maxOpenLeads
        self.openLeads = openLeads
        self.workingHours = workingHours
        self.lastAssignedAt = lastAssignedAt
    }

    var hasRoom: Bool { maxOpenLeads.map { openLeads < $0 } ?? true }

    func isWorking(at date: Date, timeZone: TimeZone) -> Bool { (workingHours ?? .always).contains(date, timeZone: timeZone) }
}

public enum AssignmentDecision: Sendable, Equatable {
    case assigned(UUID, reason: String)
    /// Nobody can take it now: it waits in the department's shared pool.
    case pool(reason: String)

    public var ownerID: UUID? {
        if case .assigned(let id, _) = self { return id }
        return nil
    }

    public var reason: String {
        switch self {
        case .assigned(_, let reason), .pool(let reason): reason
        }
    }
}

/// Round-robin within a department among consultants who are active, working now and below their
/// cap; the one assigned longest ago goes next. A returning contact goes back to their previous
/// owner when that person is active and has room.
public struct AssignmentPolicy: Sendable {
    public init() {}

    public func assign(
        department: String?, consultants: [Consultant], previousOwner: UUID?, at date: Date, timeZone: TimeZone
    ) -> AssignmentDecision {
        if let previousOwner, let owner = consultants.first(where: { $0.id == previousOwner }), owner.active, owner.hasRoom {
            return .assigned(owner.id, reason: "returning contact: back to their previous owner")
        }
        let team = department.map { name in consultants.filter { $0.departments.contains(name) } } ?? []
        // A department nobody belongs to falls back to every consultant of the clinic.
        let pool = team.isEmpty ? consultants : team
        let scope = team.isEmpty ? "the clinic" : "department \(department!)"
        let active = pool.filter(\.active)
        guard !active.isEmpty else { return .pool(reason: "no active consultant in \(scope)") }
        let working = active.filter { $0.isWorking(at: date, timeZone: timeZone) }
        guard !working.isEmpty else { return .pool(reason: "nobody in \(scope) is working now") }
        let available = working.filter(\.hasRoom)
        guard !available.isEmpty else { return .pool(reason: "everyone working in \(scope) is at their cap of open leads") }
        let next = available.min { lhs, rhs in
            switch (lhs.lastAssignedAt, rhs.lastAssignedAt) {
            case (nil, nil): return (lhs.openLeads, lhs.id.uuidString) < (rhs.openLeads, rhs.id.uuidString)
            case (nil, _): return true
            case (_, nil): return false
            case (let left?, let right?): return left != right ? left < right : lhs.id.uuidString < rhs.id.uuidString
            }
        }!
        return .assigned(next.id, reason: "round robin in \(scope) (\(available.count) available)")
    }
}

/// Which department a lead belongs to: the receiving channel's, else the procedure's, else the
/// language's, else the clinic's default.
public struct RoutingRules: Sendable, Equatable, Codable {
    public var procedureDepartments: [String: String]
    public var languageDepartments: [String: String]
    public var defaultDepartment: String?

    public init(procedureDepartments: [String: String] = [:], languageDepartments: [String: String] = [:], defaultDepartment: String? = nil) {
        self.procedureDepartments = procedureDepartments
        self.languageDepartments = languageDepartments
        self.defaultDepartment = defaultDepartment
    }

    public func department(channel: String?, procedure: String?, language: String?) -> (department: String?, reason: String) {
        if let channel { return (channel, "the receiving number belongs to \(channel)") }
        if let procedure, let department = procedureDepartments[procedure] { return (department, "\(procedure) is handled by \(department)") }
        if let language, let department = languageDepartments[language] { return (department, "\(language) speakers go to \(department)") }
        if let defaultDepartment { return (defaultDepartment, "the clinic's default department") }
        return (nil, "no department rule applies")
    }
}
