"""An MCP client written with the official Python MCP SDK (`mcp` 2.x), used by our tests to
check that our Rust server answers it.

usage: mcp_client.py stdio <command> [args...] | mcp_client.py http <url>

Initializes, lists tools/resources/prompts, calls `add` with {"a": 2, "b": 3}, reads the first
resource, gets the first prompt, and prints one JSON object with what it saw.
"""

import json
import sys

import anyio
import mcp
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client


async def exercise(read, write):
    async with mcp.ClientSession(read, write) as session:
        init = await session.initialize()
        out = {
            "server": init.server_info.name if init.server_info else None,
            "protocol": init.protocol_version,
            "experimental": sorted((init.capabilities.experimental or {}).keys()),
        }
        tools = await session.list_tools()
        out["tools"] = [t.name for t in tools.tools]
        out["schemas"] = {t.name: t.input_schema for t in tools.tools}
        result = await session.call_tool("add", {"a": 2, "b": 3})
        out["call"] = {
            "is_error": bool(result.is_error),
            "text": [c.text for c in result.content if getattr(c, "type", "") == "text"],
        }
        bad = await session.call_tool("add", {"a": "two"})
        out["bad_call_is_error"] = bool(bad.is_error)
        if init.capabilities.resources is not None:
            resources = await session.list_resources()
            out["resources"] = [r.uri for r in resources.resources]
            if resources.resources:
                read_res = await session.read_resource(resources.resources[0].uri)
                out["resource_text"] = [getattr(c, "text", None) for c in read_res.contents]
        if init.capabilities.prompts is not None:
            prompts = await session.list_prompts()
            out["prompts"] = [p.name for p in prompts.prompts]
            if prompts.prompts:
                p = prompts.prompts[0]
                args = {a.name: "X" for a in (p.arguments or [])}
                got = await session.get_prompt(p.name, args)
                out["prompt_text"] = [getattr(m.content, "text", None) for m in got.messages]
        return out


async def main():
    mode = sys.argv[1]
    if mode == "stdio":
        params = StdioServerParameters(command=sys.argv[2], args=sys.argv[3:])
        async with stdio_client(params) as (read, write):
            out = await exercise(read, write)
    elif mode == "http":
        async with streamable_http_client(sys.argv[2]) as (read, write):
            out = await exercise(read, write)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out))


if __name__ == "__main__":
    anyio.run(main)
