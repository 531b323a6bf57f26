"""The endpoint taxonomy section of config.yaml (``endpoints``), read by pipeline/outcomes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.strict import CLASS_NAME, Strict, has_word

# A term of the endpoint taxonomy: matched like a class term (pipeline/classify/terms.py).
EndpointTerm = Annotated[str, Field(min_length=2)]
ENDPOINT_MEASURES = Literal["mean_difference", "risk_ratio"]
OTHER_ENDPOINT = "other"


class EndpointRule(Strict):
    """A title or description matches when every ``all_of`` group has a term in it and no ``none_of`` term
    is in it; the rule's name is what an analyst sees as the reason."""

    name: Annotated[str, Field(min_length=1)]
    all_of: Annotated[list[Annotated[list[EndpointTerm], Field(min_length=1)]], Field(min_length=1)]
    none_of: list[EndpointTerm] = Field(default_factory=list)

    @field_validator("all_of")
    @classmethod
    def _group_terms(cls, value: list[list[str]]) -> list[list[str]]:
        return [[has_word(t) for t in group] for group in value]

    @field_validator("none_of")
    @classmethod
    def _exclusion_terms(cls, value: list[str]) -> list[str]:
        return [has_word(t) for t in value]


class Endpoint(Strict):
    """One canonical endpoint: how its effect is measured and which registry wording means it."""

    label: Annotated[str, Field(min_length=1)]
    higher_is_better: bool | None = None
    measure: ENDPOINT_MEASURES | None = None
    # The endpoint is defined at this many hours after dosing: a title or time frame that states hours
    # but not this one is not this endpoint ("pain freedom at 1 hour" is not pain freedom at 2 h).
    at_hours: Annotated[float, Field(gt=0)] | None = None
    rules: list[EndpointRule] = Field(default_factory=list)


class EndpointSettings(Strict):
    """The endpoint taxonomy (pipeline/outcomes): tried in order, the first endpoint with a matching rule
    wins, so specific endpoints come before general ones; ``other`` (no rules) takes the rest."""

    # mixed (optional): phrases that name both at once ("episodic or chronic migraine"), which the
    # chronic terms alone would read as chronic; a text matching terms of two populations is mixed too.
    populations: dict[
        Literal["episodic", "chronic", "mixed"], Annotated[list[EndpointTerm], Field(min_length=1)]
    ]
    definitions: Annotated[dict[str, Endpoint], Field(min_length=2)]

    @field_validator("populations")
    @classmethod
    def _population_terms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not {"episodic", "chronic"} <= set(value):
            raise ValueError("give terms for both populations: episodic and chronic")
        return {k: [has_word(t) for t in terms] for k, terms in value.items()}

    @model_validator(mode="after")
    def _codes_and_rules(self) -> EndpointSettings:
        if OTHER_ENDPOINT not in self.definitions:
            raise ValueError(f"definitions: add an {OTHER_ENDPOINT!r} endpoint (no rules) for the rest")
        for code, endpoint in self.definitions.items():
            where = f"definitions.{code}"
            if not CLASS_NAME.match(code):
                raise ValueError(f"{where}: endpoint code must be lower_snake_case")
            if code == OTHER_ENDPOINT:
                if endpoint.rules:
                    raise ValueError(f"{where}.rules: {OTHER_ENDPOINT!r} takes what no rule matches")
                continue
            if not endpoint.rules:
                raise ValueError(f"{where}.rules: give at least one rule")
            if endpoint.measure is None or endpoint.higher_is_better is None:
                raise ValueError(f"{where}: give measure and higher_is_better")
            names = [rule.name for rule in endpoint.rules]
            if len(set(names)) != len(names):
                raise ValueError(f"{where}.rules: rule names must be unique")
        return self
