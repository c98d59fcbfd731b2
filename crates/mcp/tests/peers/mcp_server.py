"""An MCP server written with the official Python MCP SDK (`mcp` 2.x), used by our tests to
check that our discovery lists its tools, resources and prompts.

usage: mcp_server.py            (stdio)
       mcp_server.py http PORT  (streamable HTTP on 127.0.0.1:PORT/mcp)
"""

import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("pycalc", version="0.1.0")


@server.tool(description="Multiply two numbers")
def multiply(a: float, b: float) -> float:
    return a * b


@server.tool(description="Say hello")
def greet(name: str) -> str:
    return f"hello {name}"


@server.resource("memo://readme", description="A fixed memo")
def readme() -> str:
    return "read me"


@server.prompt(description="Ask for a review")
def review(topic: str) -> str:
    return f"Please review {topic}"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
