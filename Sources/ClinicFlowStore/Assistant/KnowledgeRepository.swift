import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// A clinic's knowledge base (FAQ, prices, addresses, preparation instructions) with full-text
/// search: SQLite FTS5 or PostgreSQL `tsvector`, both over accent-folded text so "implante" finds
/// "Implânte" in either database.
public struct KnowledgeRepository: Sendable {
    public struct Article: Sendable, Equatable, Codable {
        public var id: UUID
        public var clinicID: UUID
        /// `faq`, `price`, `address`, `preparation`, `policy`, `other`.
        public var kind: String
        public var title: String
        public var body: String
        public var updatedAt: Date

        public init(id: UUID = .timeOrdered(), clinicID: UUID, kind: String, title: String, body: String, updatedAt: Date = Date()) {
            self.id = id
            self.clinicID = clinicID
            self.kind = kind
            self.title = title
            self.body = body
            self.updatedAt = updatedAt
        }

        public static let kinds = ["faq", "price", "address", "preparation", "policy", "other"]
    }

    let store: Store
    let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func create(_ article: Article) async throws -> Article {
        var article = article
        article.updatedAt = clock()
        let saved = article
        try await store.db.withTransaction { database in
            try await database.sql.insert(into: "knowledge_articles")
                .columns("id", "clinic_id", "kind", "title", "body", "folded", "created_at", "updated_at")
                .values(
                    SQLBind(saved.id), SQLBind(saved.clinicID), SQLBind(saved.kind), SQLBind(saved.title), SQLBind(saved.body),
                    SQLBind(Self.fold(saved)), SQLBind(saved.updatedAt), SQLBind(saved.updatedAt)
                ).run()
            try await index(saved, on: database)
        }
        return saved
    }

    /// Replaces title, kind and body; false when the article is not the clinic's.
    public func update(_ article: Article) async throws -> Bool {
        var article = article
        article.updatedAt = clock()
        let saved = article
        return try await store.db.withTransaction { database in
            guard try await database.sql.update("knowledge_articles")
                .set("kind", to: saved.kind).set("title", to: saved.title).set("body", to: saved.body).set("folded", to: Self.fold(saved))
                .set("updated_at", to: saved.updatedAt)
                .where("id", .equal, saved.id).where("clinic_id", .equal, saved.clinicID).returning("id").first() != nil
            else { return false }
            try await index(saved, on: database)
            return true
        }
    }

    public func delete(id: UUID, clinicID: UUID) async throws -> Bool {
        try await store.db.withTransaction { database in
            guard try await database.sql.delete(from: "knowledge_articles").where("id", .equal, id).where("clinic_id", .equal, clinicID)
                .returning("id").first() != nil
            else { return false }
            if !database.sql.isPostgres { try await database.sql.delete(from: "knowledge_fts").where("article_id", .equal, id.uuidString).run() }
            return true
        }
    }

    public func find(id: UUID, clinicID: UUID) async throws -> Article? {
        try await select().where("id", .equal, id).where("clinic_id", .equal, clinicID).first().map(Self.article(row:))
    }

    public func list(clinicID: UUID, limit: Int = 100, offset: Int = 0) async throws -> (items: [Article], total: Int) {
        let sql = store.db.sql
        let total = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("knowledge_articles")
            .where("clinic_id", .equal, clinicID).first(decodingColumn: "n", as: Int.self) ?? 0
        let items = try await select().where("clinic_id", .equal, clinicID).orderBy("title").orderBy("id").limit(limit).offset(offset).all().map(Self.article(row:))
        return (items, total)
    }

    /// The best-matching articles for what someone wrote: any of its words, best rank first.
    public func search(_ query: String, clinicID: UUID, limit: Int = 5) async throws -> [Article] {
        let terms = Self.terms(query)
        guard !terms.isEmpty else { return [] }
        let sql = store.db.sql
        let ids: [UUID]
        if sql.isPostgres {
            ids = try await sql.raw("""
                SELECT id FROM knowledge_articles WHERE clinic_id = \(bind: clinicID) AND search @@ to_tsquery('simple', \(bind: terms.joined(separator: " | ")))
                ORDER BY ts_rank(search, to_tsquery('simple', \(bind: terms.joined(separator: " | ")))) DESC, id LIMIT \(bind: limit)
                """).all(decodingColumn: "id", as: UUID.self)
        } else {
            let match = terms.map { "\"\($0)\"" }.joined(separator: " OR ")
            ids = try await sql.raw("""
                SELECT article_id FROM knowledge_fts WHERE knowledge_fts MATCH \(bind: match) AND clinic_id = \(bind: clinicID.uuidString)
                ORDER BY bm25(knowledge_fts), article_id LIMIT \(bind: limit)
                """).all(decodingColumn: "article_id", as: String.self).compactMap(UUID.init(uuidString:))
        }
        guard !ids.isEmpty else { return [] }
        let found = try await select().where("id", .in, ids).where("clinic_id", .equal, clinicID).all().map(Self.article(row:))
        return ids.compactMap { id in found.first { $0.id == id } }
    }

    private func index(_ article: Article, on database: any Database) async throws {
        guard !database.sql.isPostgres else { return }  // PostgreSQL computes its tsvector column itself.
        try await database.sql.delete(from: "knowledge_fts").where("article_id", .equal, article.id.uuidString).run()
        try await database.sql.insert(into: "knowledge_fts").columns("folded", "article_id", "clinic_id")
            .values(SQLBind(Self.fold(article)), SQLBind(article.id.uuidString), SQLBind(article.clinicID.uuidString)).run()
    }

    private func select() -> SQLSelectBuilder {
        store.db.sql.select().columns("id", "clinic_id", "kind", "title", "body", "updated_at").from("knowledge_articles")
    }

    static func fold(_ article: Article) -> String {
        FoldedText(article.title + " " + article.body).tokens.joined(separator: " ")
    }

    /// Folded words worth matching: not the little words every question has.
    static func terms(_ query: String) -> [String] {
        var seen = Set<String>()
        return FoldedText(query).tokens.filter { $0.count >= 3 && !stopWords.contains($0) && seen.insert($0).inserted }.prefix(12).map { $0 }
    }

    static let stopWords: Set<String> = [
        "the", "and", "for", "you", "your", "what", "how", "does", "can", "are", "with", "que", "para", "com", "uma", "voces", "voce", "qual",
        "quais", "como", "tem", "por", "del", "los", "las", "una", "este", "esta", "usted", "cual", "sunt", "este", "pentru", "care", "cum",
        "aveti", "unde", "onde", "donde", "where", "quanto", "cuanto", "much", "cat",
    ]

    static func article(row: any SQLRow) throws -> Article {
        Article(
            id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            kind: try row.decode(column: "kind", as: String.self), title: try row.decode(column: "title", as: String.self),
            body: try row.decode(column: "body", as: String.self), updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
