import ClinicFlowDomain
import ClinicFlowEngine
import Foundation
import Vapor

/// GDPR: a person's data as one JSON file, and erasure (personal data removed, audit kept).
enum PrivacyEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/contacts/{contactID}/export", operationID: "exportContact",
            summary: "Everything held about the person (GDPR access request): details, leads and scores, messages, consent, appointments, timeline and webhook contents.",
            tag: "privacy", access: .clinic(.clinicAdmin), response: ContactExportDocument.self
        ) { context in
            let clinic = try context.requiredClinic
            let id = try context.id("contactID")
            guard let export = try await ContactPrivacy(components: context.services.engine).export(contactID: id, clinic: clinic) else {
                throw Abort(.notFound, reason: "no contact \(id)")
            }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let response = Response(status: .ok, body: .init(data: try encoder.encode(export)))
            response.headers.contentType = .json
            response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"contact-\(id.text(lowercase: true)).json\"")
            return response
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/contacts/{contactID}/erase", operationID: "eraseContact",
            summary: "Erase the person's data (GDPR): name, numbers, emails, message texts and webhook contents go; that things happened, when and by whom stays.",
            tag: "privacy", access: .clinic(.clinicAdmin), requestBody: ErasureRequest.self, response: ErasureDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let id = try context.id("contactID")
            let body = try context.decode(ErasureRequest.self)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (3...500).contains(reason.count) else { throw Abort(.unprocessableEntity, reason: "reason must be 3 to 500 characters (it stays in the audit trail)") }
            guard let erased = try await ContactPrivacy(components: context.services.engine).erase(
                contactID: id, clinic: clinic, by: try context.principalUser.id, reason: reason, correlationID: context.request.correlationID
            ) else { throw Abort(.notFound, reason: "no contact \(id)") }
            return try context.json(ErasureDTO(erasedEvents: erased.events, erasedDeliveries: erased.deliveries))
        },
    ]
}

struct ContactExportDocument: APIModel {
    static let schema = JSONSchema.object(properties: [
        ("exportedAt", .dateTime), ("clinic", .string()), ("contactID", .uuid), ("name", .nullable(.string())), ("phone", .nullable(.string())),
        ("email", .nullable(.string())), ("identities", .array(.string())), ("leads", .array(.map(.string()))), ("messages", .array(.map(.string()))),
        ("consent", .array(.map(.string()))), ("appointments", .array(.map(.string()))), ("events", .array(.map(.string()))),
    ], required: ["exportedAt", "contactID", "identities", "leads", "messages", "consent", "appointments", "events"])
}

struct ErasureRequest: APIModel {
    var reason: String

    static let schema = JSONSchema.object(properties: [("reason", .string(description: "Why (the person's request, a date): kept in the audit trail"))], required: ["reason"])
}

struct ErasureDTO: APIModel {
    var erasedEvents: Int
    var erasedDeliveries: Int

    static let schema = JSONSchema.object(properties: [("erased_events", .integer(minimum: 0)), ("erased_deliveries", .integer(minimum: 0))], required: ["erased_events", "erased_deliveries"])
}
