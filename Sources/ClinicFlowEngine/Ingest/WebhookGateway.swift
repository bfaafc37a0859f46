import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation
import Logging
import NIOCore

/// The webhook path without HTTP: find the channel, check the media type, verify the signature,
/// validate the body, then store it with its processing job. Every refusal is a `WebhookRejection`
/// with the status and reason the provider gets back; nothing refused is stored.
public struct WebhookGateway: Sendable {
    public let channels: ChannelDirectory
    public let batcher: DeliveryBatcher
    /// Wakes in-process workers once a delivery is stored.
    public let onStored: @Sendable () -> Void

    public init(channels: ChannelDirectory, batcher: DeliveryBatcher, onStored: @escaping @Sendable () -> Void = {}) {
        self.channels = channels
        self.batcher = batcher
        self.onStored = onStored
    }

    public struct Accepted: Sendable, Equatable {
        public var outcome: DeliveryOutcome
        public var provider: Provider
    }

    /// - Parameter eventLoop: where the commit is reported (the request's loop); any loop otherwise.
    public func receive(
        provider name: String, channelID: String, request: WebhookRequest, correlationID: String?, on eventLoop: (any EventLoop)? = nil
    ) async throws -> Accepted {
        let loop = eventLoop ?? channels.repository.store.db.eventLoop
        return try await receive(provider: name, channelID: channelID, request: request, correlationID: correlationID, on: loop).get()
    }

    /// The same on event-loop futures, for the HTTP handler: with the channel cached, verification,
    /// parsing and the hand-over to the batcher run right on the request's loop. An `async` handler
    /// would hop to the concurrency pool and back for every webhook, which under a burst cost more
    /// than the work itself.
    public func receive(
        provider name: String, channelID: String, request: WebhookRequest, correlationID: String?, on eventLoop: any EventLoop
    ) -> EventLoopFuture<Accepted> {
        let entry: EventLoopFuture<ChannelDirectory.Entry>
        do {
            let (provider, id) = try parse(provider: name, channelID: channelID)
            if let cached = channels.cached(id) {
                entry = eventLoop.makeCompletedFuture { try Self.usable(cached, provider: provider, channelID: channelID) }
            } else {
                entry = eventLoop.makeFutureWithTask {
                    try Self.usable(try await channels.lookup(id), provider: provider, channelID: channelID)
                }
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return entry.flatMap { entry in
            let delivery: NewDelivery
            do {
                delivery = try accept(request, channel: entry.channel, credentials: entry.credentials, correlationID: correlationID)
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
            return batcher.submit(delivery, on: eventLoop).map { outcome in
                if case .stored = outcome { onStored() }
                return Accepted(outcome: outcome, provider: entry.channel.provider)
            }
        }
    }

    /// Checks a request against its channel and turns it into a delivery to store; throws the rejection.
    func accept(_ request: WebhookRequest, channel: ClinicChannel, credentials: ChannelCredentials, correlationID: String?) throws -> NewDelivery {
        let adapter = WebhookAdapters.adapter(for: channel.provider)
        guard let mediaType = request.mediaType, adapter.acceptedMediaTypes.contains(mediaType) else {
            let accepted = adapter.acceptedMediaTypes.sorted().joined(separator: " or ")
            throw WebhookRejection.unsupportedMediaType(
                "\(channel.provider.displayName) webhooks must be \(accepted), not \(request.mediaType ?? "a body without Content-Type")"
            )
        }
        guard !request.body.isEmpty else { throw WebhookRejection.badRequest("the body is empty") }
        try adapter.verify(request, channel: channel, credentials: credentials)
        let identity: DeliveryIdentity
        do {
            identity = try adapter.inspect(request)
        } catch let error as DecodingError {
            throw WebhookRejection.badRequest("malformed \(channel.provider.displayName) payload: \(error.clientReason)")
        }
        return NewDelivery(
            clinicID: channel.clinicID, channelID: channel.id, provider: channel.provider, dedupeKey: identity.dedupeKey,
            eventType: identity.eventType, mediaType: mediaType, body: request.body, correlationID: correlationID,
            receivedAt: request.receivedAt
        )
    }

    /// The channel named in the URL, which must exist, be active and belong to that provider.
    public func resolve(provider name: String, channelID: String) async throws -> ChannelDirectory.Entry {
        let (provider, id) = try parse(provider: name, channelID: channelID)
        return try Self.usable(try await channels.lookup(id), provider: provider, channelID: channelID)
    }

    private func parse(provider name: String, channelID: String) throws -> (Provider, UUID) {
        guard let provider = Provider(rawValue: name) else {
            throw WebhookRejection(status: 404, reason: "unknown provider \(name); expected one of \(Provider.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let id = UUID(uuidString: channelID) else {
            throw WebhookRejection(status: 404, reason: "no \(provider.rawValue) channel \(channelID)")
        }
        return (provider, id)
    }

    private static func usable(_ entry: ChannelDirectory.Entry?, provider: Provider, channelID: String) throws -> ChannelDirectory.Entry {
        guard let entry, entry.channel.provider == provider else {
            throw WebhookRejection(status: 404, reason: "no \(provider.rawValue) channel \(channelID)")
        }
        guard entry.channel.active else {
            throw WebhookRejection(status: 403, reason: "channel \(channelID) is disabled")
        }
        return entry
    }
}

extension DecodingError {
    /// Where decoding failed (`entry[0].changes[0].value`), without echoing any of the body's values.
    public var clientReason: String {
        func path(_ context: Context) -> String {
            let joined = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return joined.isEmpty ? "the top level" : String(joined.drop { $0 == "." })
        }
        switch self {
        case .typeMismatch(let type, let context): return "\(path(context)) should be \(Self.describe(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) should be \(Self.describe(type)), not null"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent == "the top level" ? "\(key.stringValue) is required" : "\(parent).\(key.stringValue) is required"
        case .dataCorrupted(let context): return "\(path(context)) is not valid JSON"
        @unknown default: return "the body could not be decoded"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: String(describing: type).contains("Array") ? "an array" : "an object"
        }
    }
}
