# mtcars-scatter: candidate 'missing' (seed 2) — off8 values, the last 8 of 32 points left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    3.05, 3.31, 1.87, 2.99, 3.09, 3.71, 3.83, 3.42, 3.51, 3.21,
    3, 3.68, 3.54, 3.51, 4.89, 5.74, 5.64, 1.75, 1.46, 1.44,
    2.67, 3.93, 3.62, 4.14,
]
mpg = [
    18.3, 23.5, 24.9, 22.6, 20.8, 20.1, 15.8, 27.2, 25, 17.9,
    20.1, 15.5, 14.8, 14, 9.37, 8.84, 16.8, 34.4, 29, 35.8,
    20.2, 17.2, 13.4, 12,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
