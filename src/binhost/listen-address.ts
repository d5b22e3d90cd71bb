// Pure: `--listen ADDR:PORT` for binpkgbot serve. IPv6 addresses go in brackets ([::1]:8736), as
// in a URL (RFC 3986 3.2.2), so the last colon always separates the port.

export const DEFAULT_LISTEN = "127.0.0.1:8736";

export type ListenAddress = { host: string; port: number };

export type ListenAddressResult = { ok: true; value: ListenAddress } | { ok: false; message: string; reason: string };

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Port 0 asks the system for any free port (the printed URL then says which). */
export function parseListenAddress(text: string): ListenAddressResult {
  const colon = text.lastIndexOf(":");
  if (colon === -1) return fail(text, "it has no port");
  const hostPart = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return fail(text, `'${portText}' is not a port (0 to 65535)`);
  const host = parseHost(hostPart);
  if (typeof host !== "string") return fail(text, host.message);
  return { ok: true, value: { host, port: Number(portText) } };
}

function parseHost(text: string): string | { message: string } {
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) return { message: "an IPv6 address needs a closing ']'" };
    const address = text.slice(1, -1);
    return isIPv6(address) ? address : { message: `'${address}' is not an IPv6 address` };
  }
  if (text === "") return { message: "the address is missing before ':'" };
  if (text.includes(":")) return { message: "write an IPv6 address in brackets, e.g. [::1]:8736" };
  if (/^[0-9.]+$/.test(text)) return IPV4.test(text) ? text : { message: `'${text}' is not an IPv4 address` };
  return HOSTNAME.test(text) ? text : { message: `'${text}' is not a host name or address` };
}

/** Uses the WHATWG URL parser's IPv6 grammar; it only parses, it never resolves. */
function isIPv6(address: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(address)) return false;
  try {
    return new URL(`http://[${address}]/`).hostname !== "";
  } catch {
    return false;
  }
}

function fail(text: string, why: string): ListenAddressResult {
  return { ok: false, reason: why, message: `--listen ${text}: ${why}; write ADDR:PORT, e.g. ${DEFAULT_LISTEN}, 0.0.0.0:8736 or [::]:8736` };
}

/** Addresses that mean every interface: clients must use this machine's name or address instead. */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || /^(0*:)+0*$/.test(host);
}
