import ClinicFlowDomain
import Foundation

/// Web-form leads from the clinic's site (through its backend, a plugin or an automation tool), as JSON
/// or `application/x-www-form-urlencoded`. Authenticated with the channel's `api_key` (`X-API-Key` or
/// `Authorization: Bearer`) or signed with `signing_secret`:
/// `X-ClinicFlow-Signature: sha256=<hex HMAC-SHA256(secret, "{X-ClinicFlow-Timestamp}.{body}")>`.
public struct WebFormAdapter: WebhookAdapter {
    public static let signatureHeader = "X-ClinicFlow-Signature"
    public static let timestampHeader = "X-ClinicFlow-Timestamp"
    static let maxFields = 100
    static let maxFieldLength = 5000

    public init() {}

    public var provider: Provider { .webform }
    public var acceptedMediaTypes: Set<String> { ["application/json", "application/x-www-form-urlencoded"] }

    public func verify(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials) throws {
        let apiKey = credentials["api_key"]
        let secret = credentials["signing_secret"]
        guard apiKey != nil || secret != nil else {
            throw WebhookRejection.unauthorized("the channel has no api_key or signing_secret configured")
        }
        if let secret, let signature = request.headers.first(Self.signatureHeader) {
            let timestamp = try SignedTimestamp.check(
                request.headers.first(Self.timestampHeader), header: Self.timestampHeader, unit: .seconds,
                tolerance: channel.settings.tolerance, now: request.receivedAt
            )
            let expected = Digest.hmacSHA256(key: secret, message: Array("\(timestamp).".utf8) + request.body)
            let hex = Digest.withoutAlgorithmPrefix(signature)
            guard Digest.matchesHex(hex, expected) else {
                throw WebhookRejection.unauthorized("\(Self.signatureHeader) does not match the timestamp and body")
            }
            return
        }
        if let apiKey {
            let authorization = request.headers.first("Authorization")
            let bearer = authorization?.lowercased().hasPrefix("bearer ") == true ? String(authorization!.dropFirst(7)) : nil
            guard let presented = request.headers.first("X-API-Key") ?? bearer else {
                throw WebhookRejection.unauthorized("missing X-API-Key header")
            }
            guard ConstantTime.equals(presented, apiKey) else {
                throw WebhookRejection.unauthorized("X-API-Key does not match the channel's key")
            }
            return
        }
        throw WebhookRejection.unauthorized("missing \(Self.signatureHeader) header")
    }

    public func inspect(_ request: WebhookRequest) throws -> DeliveryIdentity {
        let fields = try Self.fields(request.body, mediaType: request.mediaType)
        guard Self.lead(from: fields).hasContact else {
            throw WebhookRejection(status: 422, reason: "a lead needs at least a phone or an email field")
        }
        if let id = fields["submission_id"] ?? fields["id"] { return DeliveryIdentity(dedupeKey: "submission:\(id)", eventType: "form_lead") }
        return .bodyHash(request.body, eventType: "form_lead")
    }

    public func normalize(_ delivery: DeliveryContent, channel: ClinicChannel) throws -> [InboundEvent] {
        let fields = try Self.fields(delivery.body, mediaType: delivery.mediaType)
        let id = fields["submission_id"] ?? fields["id"] ?? Digest.sha256Hex(delivery.body)
        return [InboundEvent(provider: provider, providerEventID: "form:\(id)", occurredAt: delivery.receivedAt, body: .formLead(Self.lead(from: fields)))]
    }

    /// Flat field map from either encoding; nested JSON values are ignored, oversized ones refused.
    static func fields(_ body: [UInt8], mediaType: String?) throws -> [String: String] {
        let map: [String: String]
        if mediaType == "application/json" {
            let value = try JSONCoding.plainDecoder.decode(JSONValue.self, from: Data(body))
            guard value.object != nil else { throw WebhookRejection.badRequest("the form body must be a JSON object") }
            map = value.stringMap
        } else {
            map = FormEncoding.dictionary(try FormEncoding.parse(body))
        }
        guard map.count <= maxFields else { throw WebhookRejection.badRequest("a form may have at most \(maxFields) fields") }
        if let long = map.first(where: { $0.value.count > maxFieldLength }) {
            throw WebhookRejection.badRequest("field \(long.key) is longer than \(maxFieldLength) characters")
        }
        var lowered: [String: String] = [:]
        for (key, value) in map where !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            lowered[key.lowercased()] = value.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return lowered
    }

    /// Common field names in the languages clinics' forms use (pt, es, en, ro).
    static func lead(from fields: [String: String]) -> FormLead {
        func pick(_ names: [String]) -> String? { names.lazy.compactMap { fields[$0] }.first }
        let first = pick(["first_name", "firstname", "nome", "nombre", "prenume"])
        let last = pick(["last_name", "lastname", "sobrenome", "apellido", "apellidos", "nume"])
        let joined = [first, last].compactMap { $0 }.joined(separator: " ")
        let known: Set<String> = [
            "name", "full_name", "fullname", "nome_completo", "nombre_completo", "first_name", "firstname", "nome", "nombre",
            "prenume", "last_name", "lastname", "sobrenome", "apellido", "apellidos", "nume", "email", "e-mail", "mail",
            "phone", "telephone", "tel", "telefone", "telefono", "teléfono", "telefon", "whatsapp", "celular", "mobile",
            "message", "mensagem", "mensaje", "mesaj", "comments", "procedure", "procedimento", "procedimiento",
            "procedura", "service", "servico", "serviço", "servicio", "utm_source", "utm_medium", "utm_campaign",
            "utm_term", "utm_content", "page_url", "page", "url", "referrer", "consent", "lgpd", "gdpr", "rgpd",
            "form_id", "form", "submission_id", "id",
        ]
        return FormLead(
            formID: pick(["form_id", "form"]),
            name: pick(["name", "full_name", "fullname", "nome_completo", "nombre_completo"]) ?? (joined.isEmpty ? nil : joined),
            email: pick(["email", "e-mail", "mail"])?.lowercased(),
            phone: pick(["phone", "telephone", "tel", "telefone", "telefono", "teléfono", "telefon", "whatsapp", "celular", "mobile"]),
            message: pick(["message", "mensagem", "mensaje", "mesaj", "comments"]),
            procedure: pick(["procedure", "procedimento", "procedimiento", "procedura", "service", "servico", "serviço", "servicio"]),
            utm: UTM(
                source: fields["utm_source"], medium: fields["utm_medium"], campaign: fields["utm_campaign"],
                term: fields["utm_term"], content: fields["utm_content"]
            ),
            pageURL: pick(["page_url", "page", "url"]),
            referrer: fields["referrer"],
            consent: pick(["consent", "lgpd", "gdpr", "rgpd"]).map { JSONValue.string($0).bool ?? false },
            fields: fields.filter { !known.contains($0.key) }
        )
    }
}

extension FormLead {
    var hasContact: Bool { phone != nil || email != nil }
}
