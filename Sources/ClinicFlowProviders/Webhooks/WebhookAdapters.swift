import ClinicFlowDomain

/// Every provider ClinicFlow accepts webhooks from.
public enum WebhookAdapters {
    public static func adapter(for provider: Provider) -> any WebhookAdapter {
        switch provider {
        case .meta: MetaAdapter()
        case .dialog360: Dialog360Adapter()
        case .evolution: EvolutionAdapter()
        case .chatwoot: ChatwootAdapter()
        case .calcom: CalcomAdapter()
        case .twenty: TwentyAdapter()
        case .stripe: StripeAdapter()
        case .twilio: TwilioAdapter()
        case .vapi: VapiAdapter()
        case .hubspot: HubSpotAdapter()
        case .webform: WebFormAdapter()
        }
    }
}
