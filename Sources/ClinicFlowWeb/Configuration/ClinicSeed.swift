import ClinicFlowDomain
import Foundation
import Yams

/// A clinic and its channels declared in `clinicflow.yml`:
///
/// ```yaml
/// clinics:
///   - slug: sorriso
///     name: Clínica Sorriso
///     time_zone: America/Sao_Paulo
///     default_region: BR
///     channels:
///       - id: 6f1c2b1e-7d0a-4c55-9d7e-0c6a3e1b9f21   # fixed, so the webhook URL never changes
///         provider: meta
///         name: WhatsApp principal
///         business_number: "+5511940028922"
///         business_account_id: "106540352242922"
///         credentials:
///           app_secret: ${META_APP_SECRET}         # taken from the environment
///           verify_token: ${META_VERIFY_TOKEN}
///     assistant:                                   # optional: the assistant's settings
///       enabled: true
///       quiet_hours: { start: "21:00", end: "08:00" }
///     scheduling:                                  # optional: reminders, recalls, retention (docs/scheduling.md)
///       reminder_hours: [24, 2]
///       recall_months: { cleaning: 6 }
/// ```
public struct ClinicSeed: Sendable, Equatable {
    public var clinic: Clinic
    public var channels: [ChannelSeed]
    /// When given, replaces the clinic's assistant settings on every start.
    public var assistant: AssistantSettings?
    /// When given, replaces the clinic's scheduling settings on every start.
    public var scheduling: SchedulingSettings? = nil
}

public struct ChannelSeed: Sendable, Equatable {
    public var channel: ClinicChannel
    public var credentials: ChannelCredentials
}

enum ClinicSeedParser {
    private struct File: Decodable {
        var clinics: [ClinicEntry]?
    }

    private struct ClinicEntry: Decodable {
        var slug: String
        var name: String
        var time_zone: String?
        var default_region: String?
        var channels: [ChannelEntry]?
        var assistant: AssistantSettings?
        var scheduling: SchedulingSettings?
    }

    private struct ChannelEntry: Decodable {
        var id: String?
        var provider: String
        var name: String
        var business_number: String?
        var business_account_id: String?
        var department: String?
        var active: Bool?
        var signature_tolerance_seconds: Int?
        var require_signature: Bool?
        var api_base_url: String?
        var account_id: String?
        var sandbox: Bool?
        var credentials: [String: String]?
    }

    /// Parses the `clinics:` section; problems name the entry and never print credential values.
    static func parse(yaml: String, fileName: String, environment: [String: String]) throws -> [ClinicSeed] {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch let error as DecodingError {
            // Yams wraps an error thrown while decoding a value (a broken rule) as corrupted data.
            if case .dataCorrupted(let context) = error, let invalid = context.underlyingError as? InvalidSettings {
                throw ConfigError(["clinics in \(fileName): \(invalid)"])
            }
            throw ConfigError(["clinics in \(fileName): \(error.clientReason)"])
        } catch let invalid as InvalidSettings {
            throw ConfigError(["clinics in \(fileName): \(invalid)"])
        }
        var problems: [String] = []
        var seenChannels = Set<UUID>()
        let seeds = (file.clinics ?? []).enumerated().map { clinicIndex, entry -> ClinicSeed in
            let place = "clinics[\(clinicIndex)]"
            if !Clinic.isValidSlug(entry.slug) { problems.append("\(place).slug \(entry.slug) must be lower-case letters, digits and dashes") }
            if let zone = entry.time_zone, TimeZone(identifier: zone) == nil { problems.append("\(place).time_zone \(zone) is not an IANA time zone") }
            let clinic = Clinic(name: entry.name, slug: entry.slug, timeZone: entry.time_zone ?? "UTC", defaultRegion: (entry.default_region ?? "US").uppercased())
            let channels = (entry.channels ?? []).enumerated().compactMap { channelIndex, channel -> ChannelSeed? in
                let place = "\(place).channels[\(channelIndex)]"
                guard let provider = Provider(rawValue: channel.provider) else {
                    problems.append("\(place).provider \(channel.provider) is not one of \(Provider.allCases.map(\.rawValue).joined(separator: ", "))")
                    return nil
                }
                guard let text = channel.id, let id = UUID(uuidString: text) else {
                    problems.append("\(place).id must be a UUID that stays the same (its webhook URL contains it), e.g. \(UUID().text(lowercase: true))")
                    return nil
                }
                guard seenChannels.insert(id).inserted else {
                    problems.append("\(place).id \(text) is used by another channel")
                    return nil
                }
                var credentials = ChannelCredentials()
                for (name, value) in channel.credentials ?? [:] {
                    switch expand(value, environment: environment) {
                    case .success(let expanded): credentials[name] = expanded
                    case .failure(let missing): problems.append("\(place).credentials.\(name) refers to ${\(missing.name)}, which is not set")
                    }
                }
                let settings = ChannelSettings(
                    signatureToleranceSeconds: channel.signature_tolerance_seconds, requireSignature: channel.require_signature ?? true,
                    apiBaseURL: channel.api_base_url, accountID: channel.account_id, sandbox: channel.sandbox ?? false
                )
                return ChannelSeed(
                    channel: ClinicChannel(
                        id: id, clinicID: clinic.id, provider: provider, name: channel.name, businessNumber: channel.business_number,
                        businessAccountID: channel.business_account_id, department: channel.department, settings: settings,
                        active: channel.active ?? true
                    ),
                    credentials: credentials
                )
            }
            return ClinicSeed(clinic: clinic, channels: channels, assistant: entry.assistant, scheduling: entry.scheduling)
        }
        guard problems.isEmpty else { throw ConfigError(problems.map { "\($0) (\(fileName))" }) }
        return seeds
    }

    struct MissingVariable: Error { var name: String }

    /// Replaces `${NAME}` with the environment's value, so secrets stay out of the file.
    static func expand(_ value: String, environment: [String: String]) -> Result<String, MissingVariable> {
        var out = ""
        var rest = Substring(value)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[start.upperBound..<end])
            guard let replacement = environment[name] else { return .failure(MissingVariable(name: name)) }
            out += replacement
            rest = rest[rest.index(after: end)...]
        }
        return .success(out + rest)
    }
}
