/// A system that sends ClinicFlow webhooks. The raw value is the path segment in `/hooks/{provider}/{channelId}`.
public enum Provider: String, Sendable, Codable, CaseIterable {
    case meta
    case dialog360 = "360dialog"
    case evolution
    case chatwoot
    case calcom
    case twenty
    case stripe
    case twilio
    case vapi
    case hubspot
    case webform

    public var displayName: String {
        switch self {
        case .meta: "Meta WhatsApp Cloud API"
        case .dialog360: "360dialog"
        case .evolution: "Evolution API"
        case .chatwoot: "Chatwoot"
        case .calcom: "Cal.com"
        case .twenty: "Twenty"
        case .stripe: "Stripe"
        case .twilio: "Twilio"
        case .vapi: "Vapi"
        case .hubspot: "HubSpot"
        case .webform: "Web form"
        }
    }
}
