import Foundation
import Vapor

/// The OpenAPI 3.1 document for `/api/v1`, built from the same endpoint list that registers the routes.
enum OpenAPIDocument {
    static func build(_ endpoints: [APIEndpoint], serverURL: String = "/api/v1") -> JSONDocument {
        var paths: [String: [String: JSONDocument]] = [:]
        var schemas: [String: JSONDocument] = ["Error": errorSchema.json]
        for endpoint in endpoints {
            var operation: [String: JSONDocument] = [
                "operationId": .string(endpoint.operationID),
                "summary": .string(endpoint.summary),
                "tags": [.string(endpoint.tag)],
            ]
            var parameters: [JSONDocument] = endpoint.pathParameters.map { name in
                ["name": .string(name), "in": "path", "required": .bool(true), "schema": JSONSchema.uuid.json]
            }
            parameters += endpoint.query.map { parameter in
                ["name": .string(parameter.name), "in": "query", "required": .bool(false), "description": .string(parameter.description), "schema": parameter.schema.json]
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = endpoint.requestBody {
                schemas[body.schemaName] = body.schema.json
                operation["requestBody"] = ["required": .bool(true), "content": ["application/json": ["schema": JSONSchema.reference(body.schemaName).json]]]
            }
            var responses: [String: JSONDocument] = [:]
            if let response = endpoint.response {
                schemas[response.schemaName] = response.schema.json
                responses[String(endpoint.successStatus.code)] = [
                    "description": .string(endpoint.successStatus.reasonPhrase),
                    "content": ["application/json": ["schema": JSONSchema.reference(response.schemaName).json]],
                ]
            } else {
                responses[String(endpoint.successStatus.code)] = ["description": .string(endpoint.summary)]
            }
            for (code, description) in errorResponses(for: endpoint) {
                responses[code] = ["description": .string(description), "content": ["application/json": ["schema": JSONSchema.reference("Error").json]]]
            }
            operation["responses"] = .object(responses)
            if endpoint.access != .anyone { operation["security"] = [["bearer": []]] }
            paths[endpoint.path, default: [:]][endpoint.method.rawValue.lowercased()] = .object(operation)
        }
        for model in nestedModels { schemas[model.schemaName] = model.schema.json }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "ClinicFlow API",
                "version": .string(ClinicFlowVersion.current),
                "description": "Every list is paginated with limit and offset. Errors are JSON: {error, reason, correlation_id}. Clinic routes answer 404 for clinics you cannot see.",
            ],
            "servers": [["url": .string(serverURL)]],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
            ],
        ]
    }

    /// Schemas only referenced from inside other schemas.
    static let nestedModels: [any APIModel.Type] = [
        UserDTO.self, ClinicDTO.self, TeamDTO.self, StageDTO.self, IdentityDTO.self, ContactDTO.self, UTMDTO.self, LeadDTO.self,
        ConversationDTO.self, MessageDTO.self, TimelineEntryDTO.self, ChannelDTO.self, ScoreDTO.self, TaskDTO.self, NotificationDTO.self,
        KnowledgeArticleDTO.self, ConsentEntryDTO.self, PractitionerDTO.self, AppointmentDTO.self, SlotDTO.self, DeadLetterDTO.self,
    ]

    static let errorSchema = JSONSchema.object(properties: [
        ("error", .string(description: "Machine-readable code, e.g. not_found")), ("reason", .string(description: "What was wrong")),
        ("correlation_id", .nullable(.string())),
    ], required: ["error", "reason"])

    private static func errorResponses(for endpoint: APIEndpoint) -> [(String, String)] {
        var out: [(String, String)] = []
        if endpoint.requestBody != nil || !endpoint.query.isEmpty { out.append(("400", "Malformed request")) }
        if endpoint.access != .anyone { out.append(("401", "Missing or invalid token")) }
        if case .clinic = endpoint.access { out += [("403", "Role too low"), ("404", "Not found, or not yours")] }
        if case .role = endpoint.access { out.append(("403", "Role too low")) }
        if endpoint.requestBody != nil { out.append(("422", "Invalid values")) }
        return out
    }
}
