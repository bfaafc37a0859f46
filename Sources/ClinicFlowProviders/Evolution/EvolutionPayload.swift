/// Evolution API's webhook envelope (`{event, instance, data, sender, apikey, …}`), read from its source
/// (`whatsapp.baileys.service.ts`); `event` is dotted lower case, e.g. `messages.upsert`.
struct EvolutionWebhook: Decodable {
    var event: String
    var instance: String?
    var data: JSONValue?
    var sender: String?
    var apikey: String?
    var date_time: String?
}

struct EvolutionMessage: Decodable {
    var key: Key
    var pushName: String?
    var message: Content?
    var messageType: String?
    var messageTimestamp: LenientString?

    struct Key: Decodable {
        var remoteJid: String
        var fromMe: Bool?
        var id: String
        var addressingMode: String?
        var remoteJidAlt: String?
    }

    struct Content: Decodable {
        var conversation: String?
        var extendedTextMessage: Extended?
        var imageMessage: Media?
        var videoMessage: Media?
        var documentMessage: Media?
        var audioMessage: Media?
        var stickerMessage: Media?
        var locationMessage: Media?
        var contactMessage: Media?
        var reactionMessage: Reaction?

        struct Extended: Decodable { var text: String? }
        struct Media: Decodable { var caption: String? }
        struct Reaction: Decodable { var text: String? }
    }
}
