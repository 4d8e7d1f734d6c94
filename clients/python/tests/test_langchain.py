"""The LangChain chat history and retriever over the real stack."""

from __future__ import annotations

import time
import uuid

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from memlog.langchain import MemlogChatMessageHistory, MemlogRetriever

from conftest import aeventually, eventually


def test_history_appends_turns_and_reads_the_session_back(client, owner):
    history = MemlogChatMessageHistory(client, session_id="support", user_id=owner)
    said = [SystemMessage(content="You are a travel assistant", id=str(uuid.uuid4())),
            HumanMessage(content="I lost my luggage in Frankfurt", id=str(uuid.uuid4())),
            AIMessage(content="I am sorry: which flight was it?", id=str(uuid.uuid4()))]
    history.add_messages(said)
    messages = eventually(lambda: len(history.messages) == 3 and history.messages, "three messages read back")
    assert [(type(m), m.content, m.id) for m in messages] == [(type(m), m.content, m.id) for m in said]
    # the same messages again are the same turns (their ids are the event ids); a new one is appended
    history.add_messages(said)
    history.add_user_message("LH 1234")
    messages = eventually(lambda: len(history.messages) >= 4 and history.messages, "the fourth message read back")
    time.sleep(1)
    assert [m.content for m in history.messages] == [m.content for m in said] + ["LH 1234"]
    assert isinstance(messages[-1], HumanMessage)
    with pytest.raises(NotImplementedError, match="append-only"):
        history.clear()


def test_history_needs_an_owner(client):
    with pytest.raises(ValueError):
        MemlogChatMessageHistory(client, session_id="s1")


async def test_history_async(client, async_client, owner):
    history = MemlogChatMessageHistory(client, session_id="async", user_id=owner, async_client=async_client)
    await history.aadd_messages([HumanMessage(content="Remind me to water the ferns"),
                                 AIMessage(content="I will remind you on Sunday")])

    async def both():
        messages = await history.aget_messages()
        return len(messages) == 2 and messages

    messages = await aeventually(both, "both messages read back")
    assert [type(m) for m in messages] == [HumanMessage, AIMessage]
    with pytest.raises(NotImplementedError):
        await history.aclear()


def test_retriever_searches_one_owner(client, owner):
    mine = client.add_memory("The office moved to the fourth floor of the Harbour building", user_id=owner)
    theirs = client.add_memory("The office moved to the basement of the Harbour building", user_id=owner + "-other")
    retriever = MemlogRetriever(client=client, user_id=owner, k=3, search_options={"reinforce": False})

    def found():
        docs = retriever.invoke("where is the office?")
        return any(mine.event_id in d.metadata["event_ids"] for d in docs) and docs

    docs = eventually(found, "the memory is retrieved")
    assert all(isinstance(d, Document) and d.metadata["user_id"] == owner for d in docs)
    assert all(theirs.event_id not in d.metadata["event_ids"] for d in docs)
    top = docs[0]
    assert top.page_content and top.metadata["record_id"] and top.metadata["request_id"]
    assert len(docs) <= 3


def test_retriever_packs_a_budgeted_context(client, owner):
    client.add_memory("The team standup is at half past nine every weekday", user_id=owner)
    retriever = MemlogRetriever(client=client, user_id=owner, retrieval="context", budget_tokens=150,
                                search_options={"reinforce": False})
    docs = eventually(lambda: (d := retriever.invoke("when is the standup?")) and "half past nine" in d[0].page_content
                      and d, "the memory is packed")
    assert len(docs) == 1 and docs[0].metadata["tokens"] <= 150 and docs[0].metadata["record_ids"]


async def test_retriever_async(client, async_client, owner):
    event = (await async_client.add_memory("The generator fuel is in the red shed", user_id=owner)).event_id
    retriever = MemlogRetriever(client=client, async_client=async_client, user_id=owner)

    async def found():
        docs = await retriever.ainvoke("where is the fuel?")
        return any(event in d.metadata["event_ids"] for d in docs) and docs

    docs = await aeventually(found, "the memory is retrieved")
    assert docs[0].metadata["user_id"] == owner
