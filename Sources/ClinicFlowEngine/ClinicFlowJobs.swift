import ClinicFlowStore
import Foundation

/// The parts of the engine one process shares, built over one `Store`. A class: it is captured by
/// every job handler and copied into every task, and a struct this wide made those copies costly.
public final class EngineComponents: Sendable {
    public let store: Store
    public let queue: JobQueue
    public let events: EventStore
    public let clinics: ClinicRepository
    public let channels: ChannelRepository
    public let deliveries: DeliveryStore
    public let channelDirectory: ChannelDirectory
    public let batcher: DeliveryBatcher
    public let access: AccessRepository
    public let contacts: ContactRepository
    public let leads: LeadRepository
    public let pipelines: PipelineRepository
    public let conversations: ConversationRepository
    public let scoring: ScoringRepository
    public let consent: ConsentRepository
    public let knowledge: KnowledgeRepository
    public let scheduling: SchedulingRepository
    public let sync: SyncRepository
    /// How long a provider send may take before its outcome counts as unknown.
    public let sendTimeout: TimeInterval
    /// Shared by every LLM call of the process, so one failing endpoint is not hammered.
    public let llmBreaker = CircuitBreaker()
    /// Per sending channel: a provider in an outage gets no calls for a while; messages wait, unsent.
    public let sendBreaker: CircuitBreaker

    public init(
        store: Store, secretBox: SecretBox, defaultMaxAttempts: Int, sendTimeout: TimeInterval = 15, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.sendTimeout = sendTimeout
        self.queue = JobQueue(store: store, defaultMaxAttempts: defaultMaxAttempts, clock: clock)
        self.events = EventStore(store: store, clock: clock)
        self.clinics = ClinicRepository(store: store, clock: clock)
        self.channels = ChannelRepository(store: store, secretBox: secretBox, clock: clock)
        self.deliveries = DeliveryStore(store: store, queue: queue)
        self.channelDirectory = ChannelDirectory(repository: channels)
        self.batcher = DeliveryBatcher(deliveries: deliveries)
        self.access = AccessRepository(store: store, clock: clock)
        self.contacts = ContactRepository(store: store, clock: clock)
        self.leads = LeadRepository(store: store, clock: clock)
        self.pipelines = PipelineRepository(store: store)
        self.conversations = ConversationRepository(store: store, clock: clock)
        self.scoring = ScoringRepository(store: store, secretBox: secretBox, clock: clock)
        self.consent = ConsentRepository(store: store, clock: clock)
        self.knowledge = KnowledgeRepository(store: store, clock: clock)
        self.scheduling = SchedulingRepository(store: store, clock: clock)
        self.sync = SyncRepository(store: store, clock: clock)
        self.sendBreaker = CircuitBreaker(threshold: 5, cooldown: 30, clock: clock)
    }
}

/// The job kinds the product runs. Each workflow registers its handlers here as it is built.
public enum ClinicFlowJobs {
    public static func registry(_ components: EngineComponents) -> JobRegistry {
        var registry = JobRegistry()
        NormalizeDeliveryJob(components: components).register(in: &registry)
        InboundIntakeJob(components: components).register(in: &registry)
        LeadScoringJob(components: components, llm: LLMScorer(breaker: components.llmBreaker)).register(in: &registry)
        LeadAssignmentJob(components: components).register(in: &registry)
        ScoreRefreshJob(components: components).register(in: &registry)
        MessageSendJob(components: components).register(in: &registry)
        AssistantReplyJob(components: components, llm: LLMAssistant(breaker: components.llmBreaker)).register(in: &registry)
        AppointmentFollowUpJob(components: components).register(in: &registry)
        DailyHousekeeping(components: components).register(in: &registry)
        ContactSyncJob(components: components).register(in: &registry)
        CRMActivityJob(components: components).register(in: &registry)
        return registry
    }
}
