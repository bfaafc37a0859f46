import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Channels and their encrypted credentials.
public struct ChannelRepository: Sendable {
    public let store: Store
    private let box: SecretBox
    private let clock: @Sendable () -> Date
    /// Normalisation, intake and every send read their channel; it changes rarely.
    private let recent = RecentReads<UUID, ClinicChannel>()
    private let recentWithCredentials = RecentReads<UUID, (ClinicChannel, ChannelCredentials)>()
    /// Each clinic's channels, asked in every lead's intake (which CRMs it has).
    private let recentLists = RecentReads<UUID, [ClinicChannel]>()

    public init(store: Store, secretBox: SecretBox, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.box = secretBox
        self.clock = clock
    }

    public func create(_ channel: ClinicChannel, credentials: ChannelCredentials, on database: (any Database)? = nil) async throws -> ClinicChannel {
        defer { recentLists.forget(channel.clinicID) }
        let sql = (database ?? store.db).sql
        let now = clock()
        try await sql.insert(into: "channels")
            .columns(
                "id", "clinic_id", "provider", "name", "business_number", "business_account_id", "department",
                "settings", "credentials", "active", "created_at", "updated_at"
            )
            .values(
                SQLBind(channel.id), SQLBind(channel.clinicID), SQLBind(channel.provider.rawValue), SQLBind(channel.name),
                bindOrNull(channel.businessNumber), bindOrNull(channel.businessAccountID), bindOrNull(channel.department),
                SQLBind(try settingsJSON(channel.settings)), SQLBind(try seal(credentials, for: channel.id)),
                SQLBind(channel.active), SQLBind(now), SQLBind(now)
            )
            .run()
        return channel
    }

    /// Replaces the channel's fields (not its credentials, unless given).
    public func update(_ channel: ClinicChannel, credentials: ChannelCredentials? = nil, on database: (any Database)? = nil) async throws {
        defer {
            recent.forget(channel.id)
            recentWithCredentials.forget(channel.id)
            recentLists.forget(channel.clinicID)
        }
        var update = (database ?? store.db).sql.update("channels")
            .set("name", to: channel.name)
            .set("provider", to: channel.provider.rawValue)
            .set("business_number", to: bindOrNull(channel.businessNumber))
            .set("business_account_id", to: bindOrNull(channel.businessAccountID))
            .set("department", to: bindOrNull(channel.department))
            .set("settings", to: try settingsJSON(channel.settings))
            .set("active", to: channel.active)
            .set("updated_at", to: clock())
        if let credentials { update = update.set("credentials", to: try seal(credentials, for: channel.id)) }
        try await update.where("id", .equal, channel.id).where("clinic_id", .equal, channel.clinicID).run()
    }

    /// May answer from a copy read up to two seconds ago (see `RecentReads`).
    public func find(id: UUID, on database: (any Database)? = nil) async throws -> ClinicChannel? {
        try await recent.value(for: id, on: database) {
            try await select(on: database).where("id", .equal, id).first().map(ClinicChannel.init(row:))
        }
    }

    /// The channel with its decrypted credentials, for verifying a webhook or sending.
    /// May answer from a copy read up to two seconds ago (see `RecentReads`).
    public func findWithCredentials(id: UUID, on database: (any Database)? = nil) async throws -> (ClinicChannel, ChannelCredentials)? {
        try await recentWithCredentials.value(for: id, on: database) { try await readWithCredentials(id: id, on: database) }
    }

    private func readWithCredentials(id: UUID, on database: (any Database)?) async throws -> (ClinicChannel, ChannelCredentials)? {
        guard let row = try await select(on: database).column("credentials").where("id", .equal, id).first() else { return nil }
        let channel = try ClinicChannel(row: row)
        let sealed = try row.decode(column: "credentials", as: Data.self)
        let credentials = try JSONCoding.plainDecoder.decode(ChannelCredentials.self, from: try box.open(sealed, boundTo: channel.id))
        return (channel, credentials)
    }

    public func list(clinicID: UUID? = nil, on database: (any Database)? = nil) async throws -> [ClinicChannel] {
        guard let clinicID else { return try await select(on: database).orderBy("name").all().map(ClinicChannel.init(row:)) }
        return try await Self.listOfClinic.bind([clinicID], on: (database ?? store.db).sql).all().map(ClinicChannel.init(row:))
    }

    /// The clinic's channels, from a copy read up to two seconds ago when there is one, even inside
    /// a transaction: for asking which channels (CRMs) a clinic has, in transactions that never
    /// change channels (see `RecentReads`).
    public func recentList(clinicID: UUID, on database: (any Database)? = nil) async throws -> [ClinicChannel] {
        try await recentLists.value(for: clinicID, on: database, inTransaction: .recentWillDo) {
            try await list(clinicID: clinicID, on: database)
        } ?? []
    }

    private static let columns = ColumnList(["id", "clinic_id", "provider", "name", "business_number", "business_account_id", "department", "settings", "active"])
    /// A clinic's channels, read in every lead's intake (its CRM channels): written once (`FixedStatement`).
    private static let listOfClinic = FixedStatement(arity: 1) { sql, values in
        sql.select().column(columns).from("channels").where("clinic_id", .equal, values[0]).orderBy("name").query
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select().column(Self.columns).from("channels")
    }

    private func seal(_ credentials: ChannelCredentials, for id: UUID) throws -> Data {
        try box.seal(try JSONEncoder().encode(credentials), boundTo: id)
    }

    private func settingsJSON(_ settings: ChannelSettings) throws -> String {
        String(decoding: try JSONCoding.encode(settings), as: UTF8.self)
    }
}

extension ClinicChannel {
    init(row: any SQLRow) throws {
        let providerName = try row.decode(column: "provider", as: String.self)
        guard let provider = Provider(rawValue: providerName) else {
            throw StoreError.unexpectedResult("unknown provider \(providerName)")
        }
        self.init(
            id: try row.decode(column: "id", as: UUID.self),
            clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            provider: provider,
            name: try row.decode(column: "name", as: String.self),
            businessNumber: try row.decode(column: "business_number", as: String?.self),
            businessAccountID: try row.decode(column: "business_account_id", as: String?.self),
            department: try row.decode(column: "department", as: String?.self),
            settings: try JSONCoding.decoder.decode(ChannelSettings.self, from: Data(try row.decode(column: "settings", as: String.self).utf8)),
            active: try row.decode(column: "active", as: Bool.self)
        )
    }
}
