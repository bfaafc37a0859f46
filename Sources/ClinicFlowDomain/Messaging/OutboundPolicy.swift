import Foundation

/// Whether and how a message may go out now: consent first, then quiet hours, then WhatsApp's window.
public enum OutboundDecision: Sendable, Equatable {
    /// Free-form text.
    case freeForm
    /// Outside the window: this approved template instead.
    case template(WhatsAppTemplate)
    /// Quiet hours: not before this moment.
    case holdUntil(Date)
    case refuse(String)
}

public struct OutboundPolicy: Sendable {
    public var provider: Provider
    public var settings: AssistantSettings
    public var timeZone: TimeZone

    public init(provider: Provider, settings: AssistantSettings, timeZone: TimeZone) {
        self.provider = provider
        self.settings = settings
        self.timeZone = timeZone
    }

    /// `preferred`: the message's own template (a reminder's), tried before the clinic's general one.
    public func decide(purpose: MessagePurpose, optedOut: Bool, lastInbound: Date?, language: String?, now: Date, preferred: WhatsAppTemplate? = nil) -> OutboundDecision {
        if optedOut && purpose != .transactional { return .refuse("the contact opted out of messages") }
        // Someone who just wrote gets an answer at any hour, a reminder goes when it is due; nobody gets
        // an unprompted follow-up at night.
        if purpose == .proactive, let quiet = settings.quietHours, quiet.isQuiet(now, timeZone: timeZone) {
            return .holdUntil(quiet.nextAllowed(after: now, timeZone: timeZone))
        }
        guard MessagingWindow.applies(to: provider), !MessagingWindow.isOpen(lastInbound: lastInbound, now: now) else { return .freeForm }
        if let template = preferred ?? settings.template(language: language) { return .template(template) }
        return .refuse("outside WhatsApp's 24-hour window and the clinic has no approved template")
    }
}
