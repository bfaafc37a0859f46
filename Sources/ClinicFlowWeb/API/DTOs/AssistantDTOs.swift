import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// The assistant's settings on the wire (snake_case through the API's coders).
struct AssistantSettingsDTO: APIModel {
    struct Price: Codable, Sendable {
        var procedure: String
        var name: String
        var priceCents: Int
        var currency: String
        var maxInstallments: Int?
    }

    struct Template: Codable, Sendable {
        var name: String
        var languageCode: String
        var parameters: [String]?
    }

    struct Quiet: Codable, Sendable {
        var start: String
        var end: String
    }

    var enabled: Bool
    var useLlm: Bool?
    var priceList: [Price]?
    var templates: [String: Template]?
    var quietHours: Quiet?
    var appointmentMinutes: Int?
    var minimumConfidence: Double?

    init(_ settings: AssistantSettings) {
        enabled = settings.enabled
        useLlm = settings.useLLM
        priceList = settings.priceList.map { Price(procedure: $0.procedure, name: $0.name, priceCents: $0.priceCents, currency: $0.currency, maxInstallments: $0.maxInstallments) }
        templates = settings.templates.mapValues { Template(name: $0.name, languageCode: $0.languageCode, parameters: $0.parameters) }
        quietHours = settings.quietHours.map {
            Quiet(start: String(format: "%02d:%02d", $0.startMinute / 60, $0.startMinute % 60), end: String(format: "%02d:%02d", $0.endMinute / 60, $0.endMinute % 60))
        }
        appointmentMinutes = settings.appointmentMinutes
        minimumConfidence = settings.minimumConfidence
    }

    /// The domain settings, or the first problem in words a clinic admin can act on.
    func settings() throws(ValidationProblem) -> AssistantSettings {
        var settings = AssistantSettings(enabled: enabled, useLLM: useLlm ?? false, quietHours: nil)
        for (index, price) in (priceList ?? []).enumerated() {
            guard !price.procedure.isEmpty, !price.name.isEmpty else { throw .init("price_list[\(index)] needs a procedure and a name") }
            guard price.priceCents > 0 else { throw .init("price_list[\(index)].price_cents must be positive") }
            let currency = price.currency.uppercased()
            guard currency.count == 3, currency.allSatisfy(\.isLetter) else { throw .init("price_list[\(index)].currency must be an ISO 4217 code such as BRL or EUR") }
            let installments = price.maxInstallments ?? 1
            guard (1...48).contains(installments) else { throw .init("price_list[\(index)].max_installments must be from 1 to 48") }
            settings.priceList.append(PriceItem(procedure: price.procedure, name: price.name, priceCents: price.priceCents, currency: currency, maxInstallments: installments))
        }
        for (language, template) in templates ?? [:] {
            guard ["pt", "en", "es", "ro"].contains(language) else { throw .init("templates: \(language) is not one of pt, en, es, ro") }
            guard !template.name.isEmpty, !template.languageCode.isEmpty else { throw .init("templates.\(language) needs name and language_code") }
            settings.templates[language] = WhatsAppTemplate(name: template.name, languageCode: template.languageCode, parameters: template.parameters ?? [])
        }
        if let quiet = quietHours {
            do { settings.quietHours = try QuietHours(start: quiet.start, end: quiet.end) } catch {
                throw .init("quiet_hours must be two different HH:MM times, such as 21:00 and 08:00")
            }
        }
        let minutes = appointmentMinutes ?? 30
        guard (5...480).contains(minutes) else { throw .init("appointment_minutes must be from 5 to 480") }
        settings.appointmentMinutes = minutes
        let confidence = minimumConfidence ?? 0.6
        guard (0...1).contains(confidence) else { throw .init("minimum_confidence must be from 0 to 1") }
        settings.minimumConfidence = confidence
        return settings
    }

    static let schema = JSONSchema.object(properties: [
        ("enabled", .boolean), ("use_llm", .boolean),
        ("price_list", .array(.object(properties: [
            ("procedure", .string(description: "Procedure key, e.g. implant")), ("name", .string()), ("price_cents", .integer(minimum: 1)),
            ("currency", .string(description: "ISO 4217")), ("max_installments", .integer(minimum: 1, maximum: 48)),
        ], required: ["procedure", "name", "price_cents", "currency"]))),
        ("templates", .map(.object(properties: [
            ("name", .string()), ("language_code", .string(description: "Meta's code, e.g. pt_BR")),
            ("parameters", .array(.string(description: "{name} and {clinic} are filled in"))),
        ], required: ["name", "language_code"]))),
        ("quiet_hours", .nullable(.object(properties: [("start", .string(description: "HH:MM")), ("end", .string(description: "HH:MM"))], required: ["start", "end"]))),
        ("appointment_minutes", .integer(minimum: 5, maximum: 480)), ("minimum_confidence", .number),
    ], required: ["enabled"])
}

struct ValidationProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

struct SendMessageRequest: APIModel {
    var text: String

    static let schema = JSONSchema.object(properties: [("text", .string(description: "Up to 4,096 characters"))], required: ["text"])
}

struct KnowledgeArticleDTO: APIModel {
    var id: UUID
    var kind: String
    var title: String
    var body: String
    var updatedAt: Date

    init(_ article: KnowledgeRepository.Article) {
        id = article.id
        kind = article.kind
        title = article.title
        body = article.body
        updatedAt = article.updatedAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("kind", .string(enumValues: KnowledgeRepository.Article.kinds)), ("title", .string()), ("body", .string()), ("updated_at", .dateTime),
    ], required: ["id", "kind", "title", "body", "updated_at"])
}

struct KnowledgeArticleRequest: APIModel {
    var kind: String?
    var title: String
    var body: String

    static let schema = JSONSchema.object(properties: [
        ("kind", .string(enumValues: KnowledgeRepository.Article.kinds)), ("title", .string(description: "Up to 200 characters")),
        ("body", .string(description: "Up to 20,000 characters")),
    ], required: ["title", "body"])
}

struct ConsentEntryDTO: APIModel {
    var id: UUID
    var kind: String
    var channelId: UUID?
    var source: String
    var evidence: String
    var recordedBy: UUID?
    var createdAt: Date

    init(_ entry: ConsentRepository.Entry) {
        id = entry.id
        kind = entry.kind.rawValue
        channelId = entry.channelID
        source = entry.source
        evidence = entry.evidence
        recordedBy = entry.recordedBy
        createdAt = entry.createdAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("kind", .string(enumValues: ["opt_in", "opt_out"])), ("channel_id", .nullable(.uuid)),
        ("source", .string(description: "keyword, api, console, form")), ("evidence", .string()), ("recorded_by", .nullable(.uuid)), ("created_at", .dateTime),
    ], required: ["id", "kind", "source", "evidence", "created_at"])
}

struct ConsentRequest: APIModel {
    var kind: String
    var evidence: String

    static let schema = JSONSchema.object(properties: [
        ("kind", .string(enumValues: ["opt_in", "opt_out"])), ("evidence", .string(description: "What shows consent: the form's wording, a call note")),
    ], required: ["kind", "evidence"])
}

struct PractitionerDTO: APIModel {
    var id: UUID
    var name: String
    var active: Bool
    var availability: [String: [String]]
    var procedures: [String]

    init(_ practitioner: Practitioner) {
        id = practitioner.id
        name = practitioner.name
        active = practitioner.active
        availability = practitioner.availability.schedule
        procedures = practitioner.procedures
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("name", .string()), ("active", .boolean),
        ("availability", .map(.array(.string(description: "HH:MM-HH:MM")))), ("procedures", .array(.string())),
    ], required: ["id", "name", "active", "availability", "procedures"])
}

struct PractitionerRequest: APIModel {
    var name: String
    var availability: [String: [String]]
    var procedures: [String]?

    static let schema = JSONSchema.object(properties: [
        ("name", .string()), ("availability", .map(.array(.string(description: "Weekday (mon…sun) → HH:MM-HH:MM intervals in the clinic's time zone")))),
        ("procedures", .array(.string(description: "Procedure keys; empty is all"))),
    ], required: ["name", "availability"])
}

struct AppointmentDTO: APIModel {
    var id: UUID
    var contactId: UUID
    var leadId: UUID?
    var practitionerId: UUID
    var startsAt: Date
    var endsAt: Date
    var status: String
    var source: String

    init(_ appointment: SchedulingRepository.Appointment) {
        id = appointment.id
        contactId = appointment.contactID
        leadId = appointment.leadID
        practitionerId = appointment.practitionerID
        startsAt = appointment.startsAt
        endsAt = appointment.endsAt
        status = appointment.status
        source = appointment.source
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("contact_id", .uuid), ("lead_id", .nullable(.uuid)), ("practitioner_id", .uuid), ("starts_at", .dateTime), ("ends_at", .dateTime),
        ("status", .string(enumValues: ["booked", "confirmed", "cancelled", "no_show", "done"])), ("source", .string()),
    ], required: ["id", "contact_id", "practitioner_id", "starts_at", "ends_at", "status", "source"])
}
