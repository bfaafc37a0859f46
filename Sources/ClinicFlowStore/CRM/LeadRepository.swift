import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Leads, scoped by clinic in every query.
public struct LeadRepository: Sendable {
    public let store: Store
    private let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    static let columns = ColumnList([
        "id", "clinic_id", "contact_id", "stage", "status", "owner_id", "department", "source", "channel_id", "utm_source",
        "utm_medium", "utm_campaign", "utm_term", "utm_content", "procedure", "value_minor", "currency", "first_inbound_at",
        "first_response_at", "stage_entered_at", "closed_at", "created_at", "updated_at", "score", "temperature", "urgent",
        "language", "scored_at", "deposit_minor",
    ])

    /// Inserts a lead. Fails with a unique violation when the contact already has an open lead, which
    /// the caller treats as "someone else just opened it".
    public func create(_ lead: Lead, on database: (any Database)? = nil) async throws -> Lead {
        let now = clock()
        var lead = lead
        lead.createdAt = now
        lead.updatedAt = now
        let values: [any Encodable & Sendable] = [
            lead.id, lead.clinicID, lead.contactID, lead.stage, lead.status.rawValue, lead.ownerID, lead.department, lead.source,
            lead.channelID, lead.utm.source, lead.utm.medium, lead.utm.campaign, lead.utm.term, lead.utm.content, lead.procedure,
            lead.valueMinor, lead.currency, lead.firstInboundAt, lead.firstResponseAt, lead.stageEnteredAt, lead.closedAt, now, now,
            lead.score, lead.temperature?.rawValue, lead.urgent, lead.language, lead.scoredAt, lead.depositMinor,
        ]
        try await Self.insert.bind(values, on: (database ?? store.db).sql).run()
        return lead
    }

    public func find(id: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> Lead? {
        try await Self.findByID.bind([id, clinicID], on: (database ?? store.db).sql).first().map(Self.lead(row:))
    }

    /// `status = 'open'` with the value written into the statement, not bound: the partial index
    /// `leads_one_open_per_contact` is on it, and SQLite's planner only sees the statement text (the
    /// connection plans without bound values, see `SQLiteHandle`), so only a literal lets it use the index.
    static let isOpen = SQLBinaryExpression(SQLColumn("status"), .equal, SQLLiteral.string(LeadStatus.open.rawValue))

    public func openLead(contactID: UUID, on database: (any Database)? = nil) async throws -> Lead? {
        try await Self.openOfContact.bind([contactID], on: (database ?? store.db).sql).first().map(Self.lead(row:))
    }

    /// A person's leads, newest first (scoring reads them for every returning patient).
    public func leads(contactID: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> [Lead] {
        try await Self.historyQuery(select(on: database), contactID: contactID, clinicID: clinicID).all().map(Self.lead(row:))
    }

    static func historyQuery(_ select: SQLSelectBuilder, contactID: UUID, clinicID: UUID) -> SQLSelectBuilder {
        select.where("contact_id", .equal, contactID).where("clinic_id", .equal, clinicID).orderBy("created_at", .descending)
    }

    public struct Query: Sendable {
        public var stage: String?
        public var status: LeadStatus?
        public var ownerID: UUID?
        public var department: String?
        public var source: String?
        public var temperature: Temperature?
        public var urgent: Bool?
        public var limit: Int
        public var offset: Int

        public init(
            stage: String? = nil, status: LeadStatus? = nil, ownerID: UUID? = nil, department: String? = nil, source: String? = nil,
            temperature: Temperature? = nil, urgent: Bool? = nil, limit: Int = 50, offset: Int = 0
        ) {
            self.temperature = temperature
            self.urgent = urgent
            self.stage = stage
            self.status = status
            self.ownerID = ownerID
            self.department = department
            self.source = source
            self.limit = limit
            self.offset = offset
        }
    }

    public func list(clinicID: UUID, _ query: Query, on database: (any Database)? = nil) async throws -> (items: [Lead], total: Int) {
        let sql = (database ?? store.db).sql
        let total = try await Self.filtered(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("leads"), clinicID: clinicID, query)
            .first(decodingColumn: "n", as: Int.self) ?? 0
        return (try await items(clinicID: clinicID, query, on: database), total)
    }

    /// A page of the list without its count: the newest updated first.
    public func items(clinicID: UUID, _ query: Query, on database: (any Database)? = nil) async throws -> [Lead] {
        try await Self.itemsQuery(select(on: database), clinicID: clinicID, query).all().map(Self.lead(row:))
    }

    static func itemsQuery(_ select: SQLSelectBuilder, clinicID: UUID, _ query: Query) -> SQLSelectBuilder {
        filtered(select, clinicID: clinicID, query).orderBy("updated_at", .descending).orderBy("id").limit(query.limit).offset(query.offset)
    }

    private static func filtered(_ builder: SQLSelectBuilder, clinicID: UUID, _ query: Query) -> SQLSelectBuilder {
        var builder = builder.where("clinic_id", .equal, clinicID)
        if let stage = query.stage { builder = builder.where("stage", .equal, stage) }
        if let status = query.status { builder = builder.where("status", .equal, status.rawValue) }
        if let owner = query.ownerID { builder = builder.where("owner_id", .equal, owner) }
        if let department = query.department { builder = builder.where("department", .equal, department) }
        if let source = query.source { builder = builder.where("source", .equal, source) }
        if let temperature = query.temperature { builder = builder.where("temperature", .equal, temperature.rawValue) }
        if query.urgent == true { builder = builder.where("urgent", .equal, true) }
        return builder
    }

    /// The board's columns: each stage's most recently updated leads, at most `perColumn`, and
    /// whether the stage has more. One seek per stage in `(clinic_id, stage, updated_at)`, so the
    /// cost does not grow with the clinic's history (a won column can hold years of leads).
    public func board(clinicID: UUID, stages: [String], perColumn: Int, on database: (any Database)? = nil) async throws -> [String: (leads: [Lead], more: Bool)] {
        var columns: [String: (leads: [Lead], more: Bool)] = [:]
        for stage in stages {
            let leads = try await items(clinicID: clinicID, Query(stage: stage, limit: perColumn + 1), on: database)
            columns[stage] = (Array(leads.prefix(perColumn)), leads.count > perColumn)
        }
        return columns
    }

    /// Writes every field of the lead (callers read, change, write in one transaction).
    /// Records when the clinic first answered, unless it already had; touches nothing else, so a
    /// send finishing while the lead is scored or moved cannot undo either.
    public func recordFirstResponse(leadID: UUID, at date: Date, on database: (any Database)? = nil) async throws {
        try await Self.firstResponse.bind([date, clock(), leadID], on: (database ?? store.db).sql).run()
    }

    public func save(_ lead: Lead, on database: (any Database)? = nil) async throws {
        let values: [any Encodable & Sendable] = [
            lead.stage, lead.status.rawValue, lead.ownerID, lead.department, lead.procedure, lead.valueMinor, lead.currency,
            lead.firstInboundAt, lead.firstResponseAt, lead.stageEnteredAt, lead.closedAt, lead.score, lead.temperature?.rawValue,
            lead.urgent, lead.language, lead.scoredAt, lead.depositMinor, clock(), lead.id, lead.clinicID,
        ]
        try await Self.update.bind(values, on: (database ?? store.db).sql).run()
    }

    // A lead's insert, save and read by id run for every lead and, with 29 columns, were the longest
    // texts SQLKit wrote for it: written once (`FixedStatement`), a run binds its values (nil as NULL).
    private static let insert = FixedStatement(arity: columns.names.count) { sql, values in
        sql.insert(into: "leads").columns(columns).values(values).query
    }
    /// Every column but `id`, `clinic_id`, `contact_id` and `created_at`, in the order `save` binds them.
    private static let savedColumns = [
        "stage", "status", "owner_id", "department", "procedure", "value_minor", "currency", "first_inbound_at", "first_response_at",
        "stage_entered_at", "closed_at", "score", "temperature", "urgent", "language", "scored_at", "deposit_minor", "updated_at",
    ]
    private static let update = FixedStatement(arity: savedColumns.count + 2) { sql, values in
        savedColumns.enumerated().reduce(sql.update("leads")) { $0.set($1.element, to: values[$1.offset]) }
            .where("id", .equal, values[savedColumns.count])
            .where("clinic_id", .equal, values[savedColumns.count + 1])
            .query
    }
    private static let firstResponse = FixedStatement(arity: 3) { sql, values in
        sql.update("leads").set("first_response_at", to: values[0]).set("updated_at", to: values[1])
            .where("id", .equal, values[2]).where("first_response_at", .is, SQLLiteral.null).query
    }
    /// Every intake asks for the person's open lead.
    private static let openOfContact = FixedStatement(arity: 1) { sql, values in
        sql.select().column(columns).from("leads").where("contact_id", .equal, values[0]).where(isOpen).limit(1).query
    }
    private static let findByID = FixedStatement(arity: 2) { sql, values in
        sql.select().column(columns).from("leads").where("id", .equal, values[0]).where("clinic_id", .equal, values[1]).query
    }

    /// Open leads per owner among `owners`, for assignment caps.
    public func openCounts(owners: [UUID], on database: (any Database)? = nil) async throws -> [UUID: Int] {
        guard !owners.isEmpty else { return [:] }
        let rows = try await (database ?? store.db).sql.select()
            .column("owner_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("leads")
            .where("owner_id", .in, owners).where(Self.isOpen)
            .groupBy("owner_id").all()
        var out: [UUID: Int] = [:]
        for row in rows { out[try row.decode(column: "owner_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self) }
        return out
    }

    /// Open leads not scored since `date`, for the nightly refresh.
    public func staleScores(before date: Date, limit: Int, on database: (any Database)? = nil) async throws -> [Lead] {
        try await select(on: database).where(Self.isOpen)
            .where { $0.where("scored_at", .is, SQLLiteral.null).orWhere("scored_at", .lessThan, date) }
            .orderBy("updated_at").limit(limit).all().map(Self.lead(row:))
    }

    /// Open leads per stage, to refuse removing a stage that still holds leads.
    public func openCounts(clinicID: UUID, on database: (any Database)? = nil) async throws -> [String: Int] {
        let rows = try await (database ?? store.db).sql.select()
            .column("stage").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("leads")
            .where("clinic_id", .equal, clinicID).where(Self.isOpen)
            .groupBy("stage").all()
        var out: [String: Int] = [:]
        for row in rows { out[try row.decode(column: "stage", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return out
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select().column(Self.columns).from("leads")
    }

    static func lead(row: any SQLRow) throws -> Lead {
        let status = try row.decode(column: "status", as: String.self)
        var lead = Lead(
            id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            contactID: try row.decode(column: "contact_id", as: UUID.self), stage: try row.decode(column: "stage", as: String.self),
            status: LeadStatus(rawValue: status) ?? .open, ownerID: try row.decode(column: "owner_id", as: UUID?.self),
            department: try row.decode(column: "department", as: String?.self), source: try row.decode(column: "source", as: String?.self),
            channelID: try row.decode(column: "channel_id", as: UUID?.self),
            utm: UTM(
                source: try row.decode(column: "utm_source", as: String?.self), medium: try row.decode(column: "utm_medium", as: String?.self),
                campaign: try row.decode(column: "utm_campaign", as: String?.self), term: try row.decode(column: "utm_term", as: String?.self),
                content: try row.decode(column: "utm_content", as: String?.self)
            ),
            procedure: try row.decode(column: "procedure", as: String?.self), valueMinor: try row.decode(column: "value_minor", as: Int64?.self),
            currency: try row.decode(column: "currency", as: String?.self),
            firstInboundAt: try row.decode(column: "first_inbound_at", as: Date?.self),
            firstResponseAt: try row.decode(column: "first_response_at", as: Date?.self),
            stageEnteredAt: try row.decode(column: "stage_entered_at", as: Date.self), closedAt: try row.decode(column: "closed_at", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
        lead.score = try row.decode(column: "score", as: Int?.self)
        lead.temperature = try row.decode(column: "temperature", as: String?.self).flatMap(Temperature.init(rawValue:))
        lead.urgent = try row.decode(column: "urgent", as: Bool?.self) ?? false
        lead.language = try row.decode(column: "language", as: String?.self)
        lead.scoredAt = try row.decode(column: "scored_at", as: Date?.self)
        lead.depositMinor = try row.decode(column: "deposit_minor", as: Int64?.self)
        return lead
    }
}
