import ClinicFlowDomain
import ClinicFlowProviders
import Foundation
import Vapor

enum ChannelEndpoints {
    static let all: [APIEndpoint] = [
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/channels", operationID: "listChannels",
            summary: "The clinic's channels with their webhook URLs (secrets are never listed).", tag: "channels",
            access: .clinic(.viewer), response: ItemList<ChannelDTO>.self
        ) { context in
            let engine = context.services.engine
            var items: [ChannelDTO] = []
            for channel in try await engine.channels.list(clinicID: try context.requiredClinic.id) {
                let names = try await engine.channels.findWithCredentials(id: channel.id).map { Array($0.1.values.keys) } ?? []
                items.append(ChannelDTO(channel, webhookBase: webhookBase(context), credentialNames: names))
            }
            return try context.json(ItemList(items: items))
        },
        APIEndpoint(
            method: .POST, path: "/clinics/{clinicID}/channels", operationID: "createChannel",
            summary: "Connect a provider. Secrets ClinicFlow can choose (verify tokens, form keys) are generated; the response shows every secret once.",
            tag: "channels", access: .clinic(.clinicAdmin), requestBody: CreateChannelRequest.self, successStatus: .created, response: ChannelDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            let body = try context.decode(CreateChannelRequest.self)
            let credentials = try complete(body.credentials ?? [:], for: body.provider)
            let channel = ClinicChannel(
                id: .timeOrdered(), clinicID: clinic.id, provider: body.provider, name: try required(body.name, "name"),
                businessNumber: try businessNumber(body.businessNumber, clinic: clinic), businessAccountID: body.businessAccountId?.nilIfBlank,
                department: body.department?.nilIfBlank,
                settings: ChannelSettings(
                    signatureToleranceSeconds: try tolerance(body.signatureToleranceSeconds), requireSignature: body.requireSignature ?? true,
                    apiBaseURL: try apiBaseURL(body.apiBaseUrl), accountID: body.accountId?.nilIfBlank, sandbox: body.sandbox ?? false
                )
            )
            _ = try await context.services.engine.channels.create(channel, credentials: ChannelCredentials(credentials))
            return try context.json(
                ChannelDTO(channel, webhookBase: webhookBase(context), credentialNames: Array(credentials.keys), credentials: credentials), status: .created
            )
        },
        APIEndpoint(
            method: .GET, path: "/clinics/{clinicID}/channels/{channelID}", operationID: "getChannel", summary: "One channel.",
            tag: "channels", access: .clinic(.viewer), response: ChannelDTO.self
        ) { context in
            let (channel, credentials) = try await channel(context)
            return try context.json(ChannelDTO(channel, webhookBase: webhookBase(context), credentialNames: Array(credentials.values.keys)))
        },
        APIEndpoint(
            method: .PATCH, path: "/clinics/{clinicID}/channels/{channelID}", operationID: "updateChannel",
            summary: "Change a channel, disable it, or replace its secrets (shown once in the response).", tag: "channels",
            access: .clinic(.clinicAdmin), requestBody: UpdateChannelRequest.self, response: ChannelDTO.self
        ) { context in
            let clinic = try context.requiredClinic
            var (channel, current) = try await channel(context)
            let body = try context.decode(UpdateChannelRequest.self)
            if let name = body.name { channel.name = try required(name, "name") }
            if let number = body.businessNumber { channel.businessNumber = try businessNumber(number, clinic: clinic) }
            if let account = body.businessAccountId { channel.businessAccountID = account.nilIfBlank }
            if let department = body.department { channel.department = department.nilIfBlank }
            if let active = body.active { channel.active = active }
            if let seconds = body.signatureToleranceSeconds { channel.settings.signatureToleranceSeconds = try tolerance(seconds) }
            if let require = body.requireSignature { channel.settings.requireSignature = require }
            if let base = body.apiBaseUrl { channel.settings.apiBaseURL = try apiBaseURL(base) }
            if let account = body.accountId { channel.settings.accountID = account.nilIfBlank }
            if let sandbox = body.sandbox { channel.settings.sandbox = sandbox }
            var shown: [String: String]?
            if let given = body.credentials {
                let credentials = try complete(given, for: channel.provider)
                current = ChannelCredentials(credentials)
                shown = credentials
            }
            try await context.services.engine.channels.update(channel, credentials: shown.map { _ in current })
            context.services.engine.channelDirectory.invalidate(channel.id)
            return try context.json(ChannelDTO(channel, webhookBase: webhookBase(context), credentialNames: Array(current.values.keys), credentials: shown))
        },
    ]

    /// An http(s) URL without a trailing slash, or nil for the provider's default.
    static func apiBaseURL(_ text: String?) throws -> String? {
        guard let text = text?.nilIfBlank else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw Abort(.unprocessableEntity, reason: "api_base_url must be an http(s) URL such as https://chatwoot.example.com")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func channel(_ context: APIContext) async throws -> (ClinicChannel, ChannelCredentials) {
        let id = try context.id("channelID")
        guard let found = try await context.services.engine.channels.findWithCredentials(id: id), found.0.clinicID == (try context.requiredClinic.id) else {
            throw Abort(.notFound, reason: "no channel \(id)")
        }
        return found
    }

    static func complete(_ given: [String: String], for provider: Provider) throws -> [String: String] {
        switch CredentialRequirements.of(provider).complete(given, generate: randomSecret) {
        case .success(let credentials): return credentials
        case .failure(let problem): throw Abort(.unprocessableEntity, reason: "credentials: \(problem.description)")
        }
    }

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func businessNumber(_ raw: String?, clinic: Clinic) throws -> String? {
        guard let raw = raw?.nilIfBlank else { return nil }
        switch PhoneNumber.parse(raw, defaultRegion: clinic.defaultRegion) {
        case .success(let number): return number.e164
        case .failure(let error): throw Abort(.unprocessableEntity, reason: "business_number: \(error.description)")
        }
    }

    static func tolerance(_ seconds: Int?) throws -> Int? {
        guard let seconds else { return nil }
        guard (0...86_400).contains(seconds) else { throw Abort(.unprocessableEntity, reason: "signature_tolerance_seconds must be from 0 to 86400") }
        return seconds
    }

    /// Where providers reach this installation: the configured public URL, else this request's host.
    static func webhookBase(_ context: APIContext) -> String { webhookBase(context.request, services: context.services) }

    static func webhookBase(_ request: Request, services: ClinicFlowServices) -> String {
        if let base = services.config.publicURL { return base.trimmingSuffix("/") }
        let scheme = request.headers.first(name: "X-Forwarded-Proto") ?? "http"
        let host = request.headers.first(name: "X-Forwarded-Host") ?? request.headers.first(name: .host) ?? "localhost:\(services.config.port)"
        return "\(scheme)://\(host)"
    }
}
