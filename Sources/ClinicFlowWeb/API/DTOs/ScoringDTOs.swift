import ClinicFlowDomain
import ClinicFlowStore
import Foundation

struct ScoreDTO: APIModel {
    var score: Int
    var temperature: Temperature
    var confidence: Double
    var reasons: [String]
    var procedure: String?
    var budgetMentioned: Bool
    var urgency: Urgency
    var scorer: String
    var fallbackReason: String?
    var at: Date

    init(_ score: LeadScore, at: Date) {
        self.score = score.score
        temperature = score.temperature
        confidence = score.confidence
        reasons = score.reasons
        procedure = score.procedure
        budgetMentioned = score.budgetMentioned
        urgency = score.urgency
        scorer = score.scorer
        fallbackReason = score.fallbackReason
        self.at = at
    }

    static let schema = JSONSchema.object(properties: [
        ("score", .integer(minimum: 1, maximum: 5)), ("temperature", .string(enumValues: Temperature.allCases.map(\.rawValue))),
        ("confidence", .number), ("reasons", .array(.string())), ("procedure", .nullable(.string())), ("budget_mentioned", .boolean),
        ("urgency", .string(enumValues: Urgency.allCases.map(\.rawValue))), ("scorer", .string(description: "rules or llm:<model>")),
        ("fallback_reason", .nullable(.string(description: "Why the rules answered instead of the LLM"))), ("at", .dateTime),
    ], required: ["score", "temperature", "confidence", "reasons", "budget_mentioned", "urgency", "scorer", "at"])
}


struct TaskDTO: APIModel {
    var id: UUID
    var leadId: UUID?
    var assigneeId: UUID?
    var kind: String
    var priority: String
    var title: String
    var status: String
    var dueAt: Date?
    var createdAt: Date

    init(_ task: ScoringRepository.Task) {
        id = task.id
        leadId = task.leadID
        assigneeId = task.assigneeID
        kind = task.kind
        priority = task.priority
        title = task.title
        status = task.status
        dueAt = task.dueAt
        createdAt = task.createdAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("lead_id", .nullable(.uuid)), ("assignee_id", .nullable(.uuid)), ("kind", .string(description: "urgent_triage, call_hot_lead, …")),
        ("priority", .string(enumValues: ["urgent", "high", "normal"])), ("title", .string()), ("status", .string(enumValues: ["open", "done"])),
        ("due_at", .nullable(.dateTime)), ("created_at", .dateTime),
    ], required: ["id", "kind", "priority", "title", "status", "created_at"])
}


struct NotificationDTO: APIModel {
    var id: UUID
    var leadId: UUID?
    var kind: String
    var title: String
    var createdAt: Date
    var readAt: Date?

    init(_ notification: ScoringRepository.Notification) {
        id = notification.id
        leadId = notification.leadID
        kind = notification.kind
        title = notification.title
        createdAt = notification.createdAt
        readAt = notification.readAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("lead_id", .nullable(.uuid)), ("kind", .string(description: "urgent, hot_lead, assigned, …")), ("title", .string()),
        ("created_at", .dateTime), ("read_at", .nullable(.dateTime)),
    ], required: ["id", "kind", "title", "created_at"])
}


struct ProcedureWordsDTO: Codable, Sendable {
    var key: String
    var phrases: [String]
}

/// A clinic's scoring words (added to the standard ones), routing rules and LLM choice.
struct ScoringSettingsDTO: APIModel {
    var procedures: [ProcedureWordsDTO]
    var priceWords: [String]
    var urgencyWords: [String]
    var bookingWords: [String]
    var disqualifiers: [String]
    var procedureDepartments: [String: String]
    var languageDepartments: [String: String]
    var defaultDepartment: String?
    var llmEnabled: Bool
    var llmBaseUrl: String?
    var llmModel: String?
    var llmTimeoutSeconds: Double
    /// Write-only: set it to change the key, "" to remove it. Responses say only whether one is set.
    var llmApiKey: String?
    var llmApiKeySet: Bool?

    init(_ settings: ClinicSettings, keySet: Bool) {
        procedures = settings.vocabulary.procedures.map { ProcedureWordsDTO(key: $0.key, phrases: $0.phrases.map(\.text)) }
        priceWords = settings.vocabulary.priceQuestions.map(\.text)
        urgencyWords = settings.vocabulary.timing.map(\.text)
        bookingWords = settings.vocabulary.bookingIntent.map(\.text)
        disqualifiers = settings.vocabulary.disqualifiers.map(\.text)
        procedureDepartments = settings.routing.procedureDepartments
        languageDepartments = settings.routing.languageDepartments
        defaultDepartment = settings.routing.defaultDepartment
        llmEnabled = settings.llm.enabled
        llmBaseUrl = settings.llm.baseURL
        llmModel = settings.llm.model
        llmTimeoutSeconds = settings.llm.timeoutSeconds
        llmApiKeySet = keySet
    }

    var settings: ClinicSettings {
        func phrases(_ words: [String]) -> [Phrase] { words.map { Phrase($0) } }
        let procedureWords: [ScoringVocabulary.Procedure] = procedures.map { ScoringVocabulary.Procedure(key: $0.key, phrases: phrases($0.phrases)) }
        return ClinicSettings(
            vocabulary: ScoringVocabulary(
                procedures: procedureWords, priceQuestions: phrases(priceWords), money: [], bookingIntent: phrases(bookingWords),
                timing: phrases(urgencyWords), financing: [], discomfort: [], disqualifiers: phrases(disqualifiers)
            ),
            routing: RoutingRules(procedureDepartments: procedureDepartments, languageDepartments: languageDepartments, defaultDepartment: defaultDepartment),
            llm: LLMSettings(enabled: llmEnabled, baseURL: llmBaseUrl, model: llmModel, timeoutSeconds: llmTimeoutSeconds)
        )
    }

    static let schema = JSONSchema.object(properties: [
        ("procedures", .array(.object(properties: [("key", .string()), ("phrases", .array(.string(description: "folded words; * ends a stem")))], required: ["key", "phrases"]))),
        ("price_words", .array(.string())), ("urgency_words", .array(.string())), ("booking_words", .array(.string())), ("disqualifiers", .array(.string())),
        ("procedure_departments", .map(.string())), ("language_departments", .map(.string())), ("default_department", .nullable(.string())),
        ("llm_enabled", .boolean), ("llm_base_url", .nullable(.string(format: "uri"))), ("llm_model", .nullable(.string())),
        ("llm_timeout_seconds", .number), ("llm_api_key", .nullable(.string(format: "password"))), ("llm_api_key_set", .boolean),
    ], required: ["procedures", "price_words", "urgency_words", "booking_words", "disqualifiers", "procedure_departments", "language_departments", "llm_enabled", "llm_timeout_seconds"])
}

struct ConsultantSettingsRequest: APIModel {
    var maxOpenLeads: Int?
    /// `{"mon": ["09:00-18:00"]}`; `{}` means never, absent leaves it.
    var workingHours: [String: [String]]?
    var teamKeys: [String]?

    static let schema = JSONSchema.object(properties: [
        ("max_open_leads", .nullable(.integer(minimum: 0, maximum: 10_000))), ("working_hours", .map(.array(.string(description: "HH:MM-HH:MM")))),
        ("team_keys", .array(.string())),
    ], required: [])
}
