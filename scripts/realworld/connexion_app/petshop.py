"""Handlers for openapi.yaml: an in-memory pet shop, as connexion's petstore example keeps one.

Kept deliberately plain (the point is connexion's routing and validation, not the shop): each handler
answers what a typical connexion app answers, including its own 404 for a missing pet.
"""
import uuid

import connexion
from connexion import FlaskApp

PETS = {
    "susie": {"id": "susie", "name": "Susie", "animal_type": "cat", "tags": {}},
    "rex": {"id": "rex", "name": "Rex", "animal_type": "dog", "tags": {}},
}


def list_pets(limit=100, animal_type=None):
    pets = [p for p in PETS.values() if not animal_type or p["animal_type"] == animal_type]
    return pets[:limit]


def create_pet(body):
    pet_id = uuid.uuid4().hex[:8]
    PETS[pet_id] = dict(body, id=pet_id)
    return PETS[pet_id], 201


def get_pet(pet_id):
    pet = PETS.get(pet_id)
    return pet or ({"detail": "Not found", "status": 404, "title": "Not Found"}, 404)


def put_pet(pet_id, body):
    exists = pet_id in PETS
    PETS[pet_id] = dict(body, id=pet_id)
    return PETS[pet_id], (200 if exists else 201)


def delete_pet(pet_id):
    if pet_id not in PETS:
        return {"detail": "Not found", "status": 404, "title": "Not Found"}, 404
    del PETS[pet_id]
    return connexion.NoContent, 204


def get_photo(pet_id):
    if pet_id not in PETS:
        return {"detail": "Not found", "status": 404, "title": "Not Found"}, 404
    return connexion.NoContent, 302, {"Location": f"/static/{pet_id}.jpg"}


def search(q=""):
    return [p for p in PETS.values() if p["name"].lower().startswith(q.lower())]


app = FlaskApp(__name__, specification_dir=".")
app.add_api("openapi.yaml")


@app.app.route("/static/<name>")
def static_photo(name):  # the redirect target of /pets/{pet_id}/photo
    return b"\xff\xd8\xff", 200, {"Content-Type": "image/jpeg"}
