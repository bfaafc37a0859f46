import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Contacts and their identities. Every read takes the clinic, so no query can cross tenants.
public struct ContactRepository: Sendable {
    public let store: Store
    private let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func create(_ contact: Contact, on database: (any Database)? = nil) async throws -> Contact {
        let sql = (database ?? store.db).sql
        let now = clock()
        try await Self.insertContact.bind([contact.id, contact.clinicID, contact.name, contact.phone, contact.email, now, now], on: sql).run()
        try await link(contact.identities, to: contact.id, clinicID: contact.clinicID, on: database)
        var created = contact
        created.createdAt = now
        created.updatedAt = now
        return created
    }

    /// Gives identities to a contact. Identities another contact already has are left alone
    /// (the unique index decides, so two concurrent workers cannot both claim one).
    public func link(_ identities: [ContactIdentity], to contactID: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws {
        guard !identities.isEmpty else { return }
        let rows: [[any Encodable & Sendable]] = identities.map { [UUID.timeOrdered(), clinicID, contactID, $0.kind.rawValue, $0.value, clock()] }
        try await Self.insertIdentities.run(rows: rows, on: database ?? store.db)
    }

    // Every new person's contact and identities: written once (`FixedStatement`, `FixedInsert`).
    private static let insertContact = FixedStatement(arity: 7) { sql, values in
        sql.insert(into: "contacts").columns("id", "clinic_id", "name", "phone", "email", "created_at", "updated_at").values(values).query
    }
    private static let insertIdentities = FixedInsert(columns: 6) { sql, rows in
        rows.reduce(sql.insert(into: "contact_identities").columns("id", "clinic_id", "contact_id", "kind", "value", "created_at")) { $0.values($1) }
            .ignoringConflicts(with: ["clinic_id", "kind", "value"])
            .query
    }

    /// The contacts these identities already belong to.
    public func matches(_ identities: [ContactIdentity], clinicID: UUID, on database: (any Database)? = nil) async throws -> [ContactIdentity: UUID] {
        let identities = Array(Set(identities)).sorted { ($0.kind.rawValue, $0.value) < ($1.kind.rawValue, $1.value) }
        guard !identities.isEmpty else { return [:] }
        let rows = try await Self.matchesQuery(identities, clinicID: clinicID, on: (database ?? store.db).sql).all()
        var out: [ContactIdentity: UUID] = [:]
        for row in rows {
            guard let kind = ContactIdentity.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
            let identity = ContactIdentity(kind: kind, value: try row.decode(column: "value", as: String.self))
            if identities.contains(identity) { out[identity] = try row.decode(column: "contact_id", as: UUID.self) }
        }
        return out
    }

    /// One seek in the (clinic, kind, value) index per identity: a SELECT each, joined with UNION
    /// ALL. Lists (`kind IN (…) AND value IN (…)`) seek as well, but SQLite builds a temporary
    /// index for each list on every run, which made this the dearest read a new person costs
    /// (about 18 µs, against about 2 µs a seek). The text is fixed for up to four identities.
    static func matchesQuery(_ identities: [ContactIdentity], clinicID: UUID, on sql: any SQLDatabase) -> any SQLQueryFetcher {
        let values: [any Encodable & Sendable] = identities.flatMap { [clinicID, $0.kind.rawValue, $0.value] as [any Encodable & Sendable] }
        if identities.count <= matchStatements.count {
            return matchStatements[identities.count - 1].bind(values, on: sql)
        }
        return FixedQuery(database: sql, query: matchesExpression(identities.count, on: sql, values.map { SQLBind($0) }))
    }

    private static let matchStatements = (1...4).map { count in
        FixedStatement(arity: 3 * count) { sql, values in matchesExpression(count, on: sql, values) }
    }

    /// `values` are (clinic, kind, value) for each identity in turn.
    private static func matchesExpression(_ count: Int, on sql: any SQLDatabase, _ values: [any SQLExpression]) -> any SQLExpression {
        let selects: [any SQLExpression] = (0..<count).map { index -> any SQLExpression in
            let select: SQLSelectBuilder = sql.select().columns("contact_id", "kind", "value").from("contact_identities")
            let clinic: any SQLExpression = values[3 * index], kind: any SQLExpression = values[3 * index + 1], value: any SQLExpression = values[3 * index + 2]
            return select.where("clinic_id", .equal, clinic).where("kind", .equal, kind).where("value", .equal, value).select
        }
        return SQLList(selects, separator: SQLRaw(" UNION ALL "))
    }

    /// Display names (or phone, or email) of these contacts, for boards and lists.
    ///
    /// Read by id alone and the clinic checked on each row: with `clinic_id = ?` in the statement,
    /// SQLite (which keeps no statistics here) took the clinic's index as the narrower one and read
    /// every contact of the clinic to find a board's few hundred.
    public func labels(ids: [UUID], clinicID: UUID, on database: (any Database)? = nil) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var labels: [UUID: String] = [:]
        for row in try await Self.labelsQuery(ids, on: (database ?? store.db).sql).all()
        where try row.decode(column: "clinic_id", as: UUID.self) == clinicID {
            let label = try row.decode(column: "name", as: String?.self) ?? row.decode(column: "phone", as: String?.self) ?? row.decode(column: "email", as: String?.self)
            labels[try row.decode(column: "id", as: UUID.self)] = label ?? "Unknown"
        }
        return labels
    }

    static func labelsQuery(_ ids: [UUID], on sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().columns("id", "clinic_id", "name", "phone", "email").from("contacts").where("id", .in, Array(Set(ids)))
    }

    /// The contact with its identities; `identities: false` skips reading them (one statement less)
    /// for callers that only need the name, phone and email.
    public func find(id: UUID, clinicID: UUID, identities: Bool = true, on database: (any Database)? = nil) async throws -> Contact? {
        guard let row = try await select(on: database).where("id", .equal, id).where("clinic_id", .equal, clinicID).first() else {
            return nil
        }
        let contact = try Self.contact(row: row)
        return identities ? try await withIdentities(contact, on: database) : contact
    }

    /// The contact (without identities) and whether they opted out, in one read: what a send checks.
    public func findWithConsent(id: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> (contact: Contact, optedOut: Bool)? {
        guard let row = try await Self.findWithConsent.bind([id, clinicID], on: (database ?? store.db).sql).first() else { return nil }
        return (try Self.contact(row: row), try row.decode(column: "opted_out_at", as: Date?.self) != nil)
    }

    public struct Query: Sendable {
        /// Matches name, email or phone (substring).
        public var search: String?
        public var limit: Int
        public var offset: Int

        public init(search: String? = nil, limit: Int = 50, offset: Int = 0) {
            self.search = search
            self.limit = limit
            self.offset = offset
        }
    }

    /// Contacts of a clinic (merged ones excluded), most recently active first.
    public func list(clinicID: UUID, _ query: Query, on database: (any Database)? = nil) async throws -> (items: [Contact], total: Int) {
        func filtered(_ builder: SQLSelectBuilder) -> SQLSelectBuilder {
            var builder = builder.where("clinic_id", .equal, clinicID).where("merged_into", .is, SQLLiteral.null)
            if let search = query.search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
                let pattern = "%" + search.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
                builder = builder.where { group in
                    group.where(SQLFunction("lower", args: SQLColumn("name")), .like, SQLBind(pattern))
                        .orWhere(SQLColumn("email"), .like, SQLBind(pattern))
                        .orWhere(SQLColumn("phone"), .like, SQLBind(pattern))
                }
            }
            return builder
        }
        let sql = (database ?? store.db).sql
        let total = try await filtered(sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("contacts"))
            .first(decodingColumn: "n", as: Int.self) ?? 0
        let rows = try await filtered(select(on: database)).orderBy("updated_at", .descending).orderBy("id")
            .limit(query.limit).offset(query.offset).all()
        var items: [Contact] = []
        for row in rows { items.append(try await withIdentities(try Self.contact(row: row), on: database)) }
        return (items, total)
    }

    /// Fills gaps (name, phone, email) and bumps the contact's activity time.
    public func enrich(_ id: UUID, name: String?, phone: String?, email: String?, on database: (any Database)? = nil) async throws {
        let sql = (database ?? store.db).sql
        try await sql.update("contacts")
            .set("name", to: SQLFunction("COALESCE", args: SQLColumn("name"), bindOrNull(name)))
            .set("phone", to: SQLFunction("COALESCE", args: SQLColumn("phone"), bindOrNull(phone)))
            .set("email", to: SQLFunction("COALESCE", args: SQLColumn("email"), bindOrNull(email)))
            .set("updated_at", to: clock())
            .where("id", .equal, id)
            .run()
    }

    /// Replaces the editable fields (the API's PATCH).
    public func update(_ contact: Contact, on database: (any Database)? = nil) async throws {
        try await (database ?? store.db).sql.update("contacts")
            .set("name", to: bindOrNull(contact.name))
            .set("phone", to: bindOrNull(contact.phone))
            .set("email", to: bindOrNull(contact.email))
            .set("updated_at", to: clock())
            .where("id", .equal, contact.id)
            .where("clinic_id", .equal, contact.clinicID)
            .run()
    }

    /// Moves everything of `source` to `target` and marks `source` merged. Both keep their event
    /// streams; the timeline of `target` reads both. Conversations on the same channel become one.
    /// - Returns: ids of the source's leads that were closed because the target already had an open one.
    public func merge(_ sourceID: UUID, into targetID: UUID, clinicID: UUID, on database: any Database) async throws -> [UUID] {
        let sql = database.sql
        let now = clock()
        try await sql.update("contact_identities").set("contact_id", to: targetID)
            .where("contact_id", .equal, sourceID).where("clinic_id", .equal, clinicID).run()

        // One open lead per contact: if both have one, the source's closes as lost.
        let targetHasOpen = try await sql.select().column("id").from("leads")
            .where("contact_id", .equal, targetID).where(LeadRepository.isOpen).first() != nil
        var closed: [UUID] = []
        if targetHasOpen {
            closed = try await sql.update("leads")
                .set("status", to: LeadStatus.lost.rawValue).set("closed_at", to: now).set("updated_at", to: now)
                .where("contact_id", .equal, sourceID).where(LeadRepository.isOpen)
                .returning("id").all(decodingColumn: "id", as: UUID.self)
        }
        try await sql.update("leads").set("contact_id", to: targetID).set("updated_at", to: now)
            .where("contact_id", .equal, sourceID).where("clinic_id", .equal, clinicID).run()

        // Conversations: move those on channels the target has no conversation on; fold the rest.
        let conversations = try await sql.select().columns("id", "channel_id").from("conversations")
            .where("contact_id", .equal, sourceID).all()
        for row in conversations {
            let conversationID = try row.decode(column: "id", as: UUID.self)
            let channelID = try row.decode(column: "channel_id", as: UUID.self)
            if let existing = try await sql.select().column("id").from("conversations")
                .where("contact_id", .equal, targetID).where("channel_id", .equal, channelID)
                .first(decodingColumn: "id", as: UUID.self)
            {
                try await sql.update("messages").set("conversation_id", to: existing).set("contact_id", to: targetID)
                    .where("conversation_id", .equal, conversationID).run()
                try await sql.delete(from: "conversations").where("id", .equal, conversationID).run()
            } else {
                try await sql.update("conversations").set("contact_id", to: targetID).set("updated_at", to: now)
                    .where("id", .equal, conversationID).run()
                try await sql.update("messages").set("contact_id", to: targetID).where("conversation_id", .equal, conversationID).run()
            }
        }
        try await sql.update("contacts")
            .set("merged_into", to: targetID).set("updated_at", to: now)
            .where("id", .equal, sourceID).where("clinic_id", .equal, clinicID).run()
        // Contacts merged into the source earlier now point at the target too.
        try await sql.update("contacts").set("merged_into", to: targetID).where("merged_into", .equal, sourceID).run()
        // The target keeps its own details and takes the source's where it has none.
        if let source = try await select(on: database).where("id", .equal, sourceID).first().map(Self.contact(row:)) {
            try await enrich(targetID, name: source.name, phone: source.phone, email: source.email, on: database)
        }
        return closed
    }

    /// Ids of contacts merged into this one (their event streams belong to its timeline).
    public func mergedSources(of id: UUID, on database: (any Database)? = nil) async throws -> [UUID] {
        try await (database ?? store.db).sql.select().column("id").from("contacts")
            .where("merged_into", .equal, id).all(decodingColumn: "id", as: UUID.self)
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select().column(Self.columns).from("contacts")
    }

    private static let columns = ColumnList(["id", "clinic_id", "name", "phone", "email", "merged_into", "created_at", "updated_at"])
    /// Every send reads it: written once (`FixedStatement`).
    private static let findWithConsent = FixedStatement(arity: 2) { sql, values in
        sql.select().column(columns).column("opted_out_at").from("contacts").where("id", .equal, values[0]).where("clinic_id", .equal, values[1]).query
    }

    private func withIdentities(_ contact: Contact, on database: (any Database)?) async throws -> Contact {
        var contact = contact
        contact.identities = try await (database ?? store.db).sql.select().columns("kind", "value").from("contact_identities")
            .where("contact_id", .equal, contact.id).orderBy("created_at").all()
            .compactMap { row in
                guard let kind = ContactIdentity.Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
                return ContactIdentity(kind: kind, value: try row.decode(column: "value", as: String.self))
            }
        return contact
    }

    static func contact(row: any SQLRow) throws -> Contact {
        Contact(
            id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            name: try row.decode(column: "name", as: String?.self), phone: try row.decode(column: "phone", as: String?.self),
            email: try row.decode(column: "email", as: String?.self), mergedInto: try row.decode(column: "merged_into", as: UUID?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
