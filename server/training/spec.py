"""What a run is asked to do: the network, the dataset and the training hyper-parameters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Optimizer = Literal["sgd", "sgd_momentum", "adagrad", "adadelta", "rmsprop", "adam", "adamw"]


class Augment(BaseModel):
    """Random changes to training images (never to validation images)."""

    model_config = ConfigDict(extra="forbid")
    horizontal_flip: bool = Field(default=False, description="Mirror half the images.")
    shift: float = Field(default=0.0, ge=0.0, le=0.3, allow_inf_nan=False,
                         description="Largest shift as a fraction of the size.")
    rotation: float = Field(default=0.0, ge=0.0, le=45.0, allow_inf_nan=False,
                            description="Largest rotation in degrees.")
    scale: float = Field(default=0.0, ge=0.0, le=0.3, allow_inf_nan=False,
                         description="Largest zoom in or out, as a fraction.")

    @property
    def active(self) -> bool:
        return self.horizontal_flip or bool(self.shift or self.rotation or self.scale)


class TrainingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    optimizer: Optimizer = "adam"
    learning_rate: float = Field(default=0.001, gt=0.0, le=10.0, allow_inf_nan=False)
    momentum: float = Field(default=0.9, ge=0.0, lt=1.0, allow_inf_nan=False,
                            description="For sgd_momentum and rmsprop.")
    weight_decay: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    batch_size: int = Field(default=64, ge=1, le=4096)
    epochs: int = Field(default=3, ge=1, le=500)
    validation_split: float = Field(default=0.1, ge=0.0, le=0.5, allow_inf_nan=False,
                                    description="Fraction of the training set held out.")
    augment: Augment = Field(default_factory=Augment)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    max_train_samples: int | None = Field(
        default=None, ge=50, le=10_000_000,
        description="Train on a seeded random subset of this many images (quick demos).")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: Annotated[int, Field(ge=0, le=64)] = Field(
        default=0, description="At most this many CPU threads (the server's fair share of "
        "its cores caps it); 0: the fair share.")


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network: dict[str, Any] = Field(description='A network spec, or {"preset": id}.')
    dataset: str = Field(default="mnist", max_length=64)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    initial_model: str | None = Field(
        default=None, max_length=80,
        description="Start from this stored model's weights (its network must be this one).")
