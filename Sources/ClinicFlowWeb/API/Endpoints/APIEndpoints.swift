import Vapor

/// Every REST operation, in the order the OpenAPI document lists them.
enum APIEndpoints {
    static let all: [APIEndpoint] =
        AuthEndpoints.all + ClinicEndpoints.all + UserEndpoints.all + ContactEndpoints.all + LeadEndpoints.all
        + ConversationEndpoints.all + AssistantEndpoints.all + KnowledgeEndpoints.all + SchedulingEndpoints.all + PrivacyEndpoints.all + ChannelEndpoints.all + ScoringEndpoints.all + DeadLetterEndpoints.all + [openAPI]

    static let openAPI = APIEndpoint(
        method: .GET, path: "/openapi.json", operationID: "openAPI", summary: "This document.", tag: "meta", access: .anyone
    ) { context in
        let body = try JSONEncoder.sorted.encode(OpenAPIDocument.build(APIEndpoints.all))
        return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: body))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
