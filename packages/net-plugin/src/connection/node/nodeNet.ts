/**
 * NetServer / NetClient for Node with the native AEAD by default: the platform-neutral classes
 * default to the portable @noble/ciphers implementation, which costs about twice as much CPU per
 * packet as OpenSSL. The bytes on the wire are identical, so Node and browser peers mix freely.
 */
import type { Transport } from "../../transport/transport";
import type { NetClientConfig } from "../clientConfig";
import { NetClient } from "../netClient";
import { NetServer } from "../netServer";
import type { NetServerConfig } from "../serverConfig";
import { nodeAead } from "./nodeAead";

/** A {@link NetServer} whose packets use {@link nodeAead} unless `config.aead` says otherwise. */
export function createNodeNetServer(transport: Transport, config: NetServerConfig): NetServer {
  return new NetServer(transport, { ...config, aead: config.aead ?? nodeAead });
}

/** A {@link NetClient} whose packets use {@link nodeAead} unless `config.aead` says otherwise. */
export function createNodeNetClient(transport: Transport, config: NetClientConfig = {}): NetClient {
  return new NetClient(transport, { ...config, aead: config.aead ?? nodeAead });
}
